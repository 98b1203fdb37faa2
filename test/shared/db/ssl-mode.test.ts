import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { withClient } from '../../../shared/db/client';
import { certificateHint, withExplicitSslMode } from '../../../shared/db/ssl-mode';
import { EnvironmentError } from '../../../shared/errors';

describe('withExplicitSslMode', () => {
  it.each([
    ['require', 'postgres://app:pw@db.example.com:5432/app?sslmode=require', 'postgres://app:pw@db.example.com:5432/app?sslmode=verify-full'],
    ['prefer, beside other parameters', 'postgres://db/app?application_name=x&sslmode=prefer', 'postgres://db/app?application_name=x&sslmode=verify-full'],
    ['verify-ca', 'postgres://db/app?sslmode=verify-ca&sslrootcert=/ca.pem', 'postgres://db/app?sslmode=verify-full&sslrootcert=%2Fca.pem'],
  ])('writes %s as verify-full, which is how pg reads it', (_case, url, expected) => {
    expect(withExplicitSslMode(url)).toBe(expected);
  });

  it.each([
    ['no sslmode', 'postgres://db/app'],
    ['disable', 'postgres://db/app?sslmode=disable'],
    ['no-verify', 'postgres://db/app?sslmode=no-verify'],
    ['libpq semantics asked for', 'postgres://db/app?uselibpqcompat=true&sslmode=require'],
    ['a string that is not a URL', 'host=db dbname=app'],
  ])('leaves a URL with %s as it is', (_case, url) => {
    expect(withExplicitSslMode(url)).toBe(url);
  });
});

describe('certificateHint', () => {
  it('explains a refused certificate, and nothing else', () => {
    expect(certificateHint(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toContain('sslrootcert=FILE');
    expect(certificateHint(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('');
    expect(certificateHint(undefined)).toBe('');
  });
});

/**
 * A server that answers PostgreSQL's SSLRequest with 'S' and a self-signed certificate for 127.0.0.1,
 * then hangs up once TLS is up: enough to see whether the client trusted the certificate.
 */
async function tlsOnlyServer(key: Buffer, cert: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => {
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
      secure.on('error', () => undefined);
      secure.once('secure', () => secure.destroy());
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('withClient over TLS', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof tlsOnlyServer>>;
  let emitWarning: jest.SpiedFunction<typeof process.emitWarning>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ssl-mode-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await tlsOnlyServer(await readFile(path.join(dir, 'key.pem')), await readFile(path.join(dir, 'cert.pem')));
  });
  beforeEach(() => { emitWarning = jest.spyOn(process, 'emitWarning'); });
  afterEach(() => { emitWarning.mockRestore(); });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const attempt = (query: string) => withClient({ connectionString: `postgres://app:pw@127.0.0.1:${server.port}/app?${query}` }, () => Promise.resolve('connected'));

  it('refuses with sslmode=require a certificate it cannot trust, says what to do, and prints no SECURITY WARNING', async () => {
    const error = await attempt('sslmode=require').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/^cannot connect to postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/app\?sslmode=require: self-signed certificate; the server's certificate is checked .* sslrootcert=FILE/);
    expect((error as Error).message).not.toContain(':pw@');
    expect(emitWarning).not.toHaveBeenCalled();
  });

  it('trusts the certificate given as sslrootcert, so the connection gets past TLS', async () => {
    const error = await attempt(`sslmode=require&sslrootcert=${encodeURIComponent(path.join(dir, 'cert.pem'))}`).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/Connection terminated unexpectedly$/);
  });

  it('leaves libpq semantics to pg when asked for (require encrypts without checking the certificate)', async () => {
    const error = await attempt('uselibpqcompat=true&sslmode=require').catch((caught: unknown) => caught);

    expect((error as Error).message).toMatch(/Connection terminated unexpectedly$/);
  });

  it('says an sslrootcert file it cannot read, as a connection failure naming the server', async () => {
    const error = await attempt('sslmode=verify-full&sslrootcert=%2Fnowhere%2Fca.pem').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toContain('ENOENT');
  });
});
