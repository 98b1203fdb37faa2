import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvironmentError } from '../../../shared/errors';
import { probeSchema } from '../../../shared/parity/config-schema';
import { runProbes } from '../../../shared/parity/probes';

describe('runProbes', () => {
  let server: Server;
  let base: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      response.statusCode = request.headers.authorization === 'Bearer sk-good' ? 200 : 401;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const probe = (key: string, extra: Record<string, unknown> = {}) => probeSchema.parse({ key, url: `${base}/v1/me`, headers: { Authorization: 'Bearer ${value}' }, ...extra });

  it('passes a working key, fails a revoked one and skips a key staging lacks, sending the templated header', async () => {
    // Act
    const results = await runProbes([probe('GOOD_KEY'), probe('REVOKED_KEY'), probe('ABSENT_KEY')], new Map([['GOOD_KEY', 'sk-good'], ['REVOKED_KEY', 'sk-revoked']]));

    // Assert
    expect(results).toEqual([
      { key: 'GOOD_KEY', url: `${base}/v1/me`, status: 'passed', httpStatus: 200 },
      { key: 'REVOKED_KEY', url: `${base}/v1/me`, status: 'failed', httpStatus: 401 },
      { key: 'ABSENT_KEY', url: `${base}/v1/me`, status: 'skipped' },
    ]);
    expect(seen.slice(-2).map((headers) => headers.authorization)).toEqual(['Bearer sk-good', 'Bearer sk-revoked']);
    expect(JSON.stringify(results)).not.toMatch(/sk-/);
  });

  it('accepts the statuses a probe expects', async () => {
    const [result] = await runProbes([probe('K', { expectStatus: [401] })], new Map([['K', 'bad']]));

    expect(result?.status).toBe('passed');
  });

  it('turns a probe that gets no answer within its timeout into an EnvironmentError', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    try {
      const failure = runProbes([probeSchema.parse({ key: 'K', url, timeout: '200ms' })], new Map([['K', 'v']]));

      await expect(failure).rejects.toThrow(`key probe for K cannot reach ${url}: no answer within 200 ms`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('turns an unreachable probe URL into an EnvironmentError naming the probe, without the key', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));

    const failure = runProbes([probeSchema.parse({ key: 'K', url, headers: { 'x-key': '${value}' } })], new Map([['K', 'sk-hidden']]));

    await expect(failure).rejects.toBeInstanceOf(EnvironmentError);
    await expect(failure).rejects.toThrow(`key probe for K cannot reach ${url}: ECONNREFUSED`);
  });
});
