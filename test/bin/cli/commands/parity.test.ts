import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../../../bin/cli/main';
import { createParityCommand } from '../../../../bin/cli/commands/parity';
import type { CliIO } from '../../../../bin/cli/io';
import { ProductionWriteBlockedError } from '../../../../shared/errors';
import type { AwsClientFactory } from '../../../../shared/parity/sources';

interface Captured { io: CliIO; out: () => string; err: () => string }

function captureIO(cwd: string): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) }, env: {}, cwd },
    out: () => out,
    err: () => err,
  };
}

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const PRODUCTION = 'DB_HOST=db.internal\nDB_PORT=5432\nOPENAI_API_KEY=sk-prod-secret\nLOG_LEVEL=info\n';
const STAGING = 'DB_HOST=db.internal\nDB_PORT=6432\nOPENAI_API_KEY=sk-prod-secret\nDEBUG=1\n';
const POLICY = 'keys:\n  "DB_*": copy\n  "*_API_KEY": mustDiffer\n  "LOG_*": ignore\n  "DEBUG": ignore\n';

describe('rehearsal parity with two files and a policy', () => {
  it('prints each drifting key, copy values in clear and secrets as fingerprints, and exits 1', async () => {
    // Prepare
    const dir = await workspace({ 'production.env': PRODUCTION, 'staging.env': STAGING, 'policy.yaml': POLICY });
    const { io, out } = captureIO(dir);

    // Act
    const code = await main(['parity', '--production', 'production.env', '--staging', 'staging.env', '--policy', 'policy.yaml'], io);

    // Assert
    expect(code).toBe(1);
    expect(out()).toContain('differs      DB_PORT');
    expect(out()).toContain('production=5432 staging=6432');
    expect(out()).toMatch(/leakedSecret OPENAI_API_KEY .*staging uses production's value \(fp:[0-9a-f]{12}\)/);
    expect(out()).toContain('parity: FAILED (0 missing, 1 differs, 1 leaked secret, 0 extra, 0 failed probe)');
    expect(out()).not.toContain('sk-prod-secret');
  });

  it('prints { drift: [{ key, kind }] } with --json', async () => {
    const dir = await workspace({ 'production.json': JSON.stringify({ DB_HOST: 'a', OPENAI_API_KEY: 'sk-p' }), 'staging.json': JSON.stringify({ OPENAI_API_KEY: 'sk-p', EXTRA: 'e' }), 'policy.json': '{"keys": {"DB_*": "copy", "*_API_KEY": "mustDiffer"}}' });
    const { io, out } = captureIO(dir);

    const code = await main(['parity', '--production', 'production.json', '--staging', 'staging.json', '--policy', 'policy.json', '--json'], io);

    expect(code).toBe(1);
    expect((JSON.parse(out()) as { drift: unknown }).drift).toEqual([
      { key: 'DB_HOST', kind: 'missing' },
      { key: 'EXTRA', kind: 'extra' },
      { key: 'OPENAI_API_KEY', kind: 'leakedSecret' },
    ]);
    expect(out()).not.toContain('sk-p');
  });

  it('with --apply fixes copy keys in the staging file, leaves the leaked secret for a person and still exits 1', async () => {
    // Prepare
    const dir = await workspace({ 'production.env': PRODUCTION, 'staging.env': STAGING, 'policy.yaml': POLICY });
    const { io, out } = captureIO(dir);

    // Act
    const code = await main(['parity', '--production', 'production.env', '--staging', 'staging.env', '--policy', 'policy.yaml', '--apply', '--json'], io);

    // Assert
    expect(code).toBe(1);
    const printed = JSON.parse(out()) as { drift: unknown; applied: unknown };
    expect(printed.drift).toEqual([{ key: 'OPENAI_API_KEY', kind: 'leakedSecret' }]);
    expect(printed.applied).toEqual([{ key: 'DB_PORT', action: 'copy' }]);
    expect(await readFile(path.join(dir, 'staging.env'), 'utf8')).toBe('DB_HOST=db.internal\nDB_PORT=5432\nOPENAI_API_KEY=sk-prod-secret\nDEBUG=1\n');
  });

  it('exits 0 when staging is in policy', async () => {
    const dir = await workspace({ 'production.env': 'DB_HOST=a\nAPI_KEY=p\n', 'staging.env': 'DB_HOST=a\nAPI_KEY=s\n', 'policy.yaml': 'keys: { "DB_*": copy, "API_KEY": mustDiffer }\n' });
    const { io, out } = captureIO(dir);

    expect(await main(['parity', '--production', 'production.env', '--staging', 'staging.env', '--policy', 'policy.yaml'], io)).toBe(0);
    expect(out()).toContain('parity: PASSED');
  });

  it('exits 2 naming both patterns when a key is classified twice', async () => {
    const dir = await workspace({ 'production.env': 'DB_PASSWORD=x\n', 'staging.env': 'DB_PASSWORD=y\n', 'policy.yaml': 'keys:\n  "DB_*": copy\n  "*_PASSWORD": mustDiffer\n' });
    const { io, err } = captureIO(dir);

    const code = await main(['parity', '--production', 'production.env', '--staging', 'staging.env', '--policy', 'policy.yaml'], io);

    expect(code).toBe(2);
    expect(err()).toContain('key DB_PASSWORD is classified twice: by "DB_*" (copy) and by "*_PASSWORD" (mustDiffer)');
  });

  it('exits 2 for a policy file with a wrong action, with file and line', async () => {
    const dir = await workspace({ 'a.env': 'A=1\n', 'policy.yaml': 'keys:\n  A: copyy\n' });
    const { io, err } = captureIO(dir);

    expect(await main(['parity', '--production', 'a.env', '--staging', 'a.env', '--policy', 'policy.yaml'], io)).toBe(2);
    expect(err()).toContain('policy.yaml:2: keys.A: unknown policy action "copyy", expected copy, mustDiffer, stagingOnly, ignore or { override: VALUE }');
  });

  it('exits 2 for incomplete usage', async () => {
    const { io, err } = captureIO(tmpdir());

    expect(await main(['parity', '--production', 'a.env'], io)).toBe(2);
    expect(err()).toContain('give --config FILE, or all of --production, --staging and --policy');
  });
});

describe('rehearsal parity --config', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.headers['x-api-key'] === 'stage-key' ? 401 : 200;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fails a revoked staging key found by its probe, with exit 1', async () => {
    // Prepare
    const config = [
      'bot: support-bot',
      'databases: { production: { url: "postgres://u:p@127.0.0.1/a" }, staging: { url: "postgres://u:p@127.0.0.1/b" } }',
      'anonymize: { tables: {} }',
      'parity:',
      '  production: { envFile: production.env }',
      '  staging: { envFile: staging.env }',
      '  policy: { keys: { "*_API_KEY": mustDiffer } }',
      `  probes: [{ key: PAYMENTS_API_KEY, url: "http://127.0.0.1:${port}/ping", headers: { x-api-key: "\${value}" } }]`,
    ].join('\n');
    const dir = await workspace({ 'rehearsal.config.yaml': config, 'production.env': 'PAYMENTS_API_KEY=prod-key\n', 'staging.env': 'PAYMENTS_API_KEY=stage-key\n' });
    const { io, out } = captureIO(dir);

    // Act
    const code = await main(['parity', '--config', 'rehearsal.config.yaml', '--json'], io);

    // Assert
    expect(code).toBe(1);
    expect(JSON.parse(out())).toEqual({ drift: [], probes: [{ key: 'PAYMENTS_API_KEY', status: 'failed', httpStatus: 401 }], applied: [], blocked: [], warnings: [] });
  });

  it('with --apply writes the safe fixes through SSM, and never a production secret', async () => {
    // Prepare
    const ssm = mockClient(SSMClient);
    ssm.on(GetParametersByPathCommand, { Path: '/bot/production/' }).resolves({ Parameters: [
      { Name: '/bot/production/DB_HOST', Value: 'db.internal', Type: 'String' },
      { Name: '/bot/production/DB_PASSWORD', Value: 'prod-pw', Type: 'SecureString' },
      { Name: '/bot/production/OPENAI_API_KEY', Value: 'prod-pw', Type: 'SecureString' },
    ] });
    ssm.on(GetParametersByPathCommand, { Path: '/bot/staging/' })
      .resolvesOnce({ Parameters: [{ Name: '/bot/staging/DB_HOST', Value: 'old', Type: 'String' }, { Name: '/bot/staging/OPENAI_API_KEY', Value: 'stage-key', Type: 'SecureString' }] })
      .resolves({ Parameters: [{ Name: '/bot/staging/DB_HOST', Value: 'db.internal', Type: 'String' }, { Name: '/bot/staging/OPENAI_API_KEY', Value: 'stage-key', Type: 'SecureString' }] });
    ssm.on(PutParameterCommand).resolves({});
    const aws: AwsClientFactory = { ssm: () => new SSMClient({}), secretsManager: () => { throw new Error('not used'); }, lambda: () => { throw new Error('not used'); } };
    const config = [
      'bot: support-bot',
      'databases: { production: { url: "postgres://u:p@127.0.0.1/a" }, staging: { url: "postgres://u:p@127.0.0.1/b" } }',
      'anonymize: { tables: {} }',
      'parity:',
      '  production: { ssmPath: /bot/production/ }',
      '  staging: { ssmPath: /bot/staging/ }',
      '  policy: { keys: { "DB_*": copy, "*_API_KEY": mustDiffer } }',
    ].join('\n');
    const dir = await workspace({ 'rehearsal.config.yaml': config });
    const { io, out } = captureIO(dir);

    // Act
    const code = await createParityCommand({ aws }).run(['--config', 'rehearsal.config.yaml', '--apply', '--json'], io);

    // Assert
    expect(code).toBe(1);
    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: '/bot/staging/DB_HOST', Value: 'db.internal', Type: 'String', Overwrite: true },
    ]);
    const printed = JSON.parse(out()) as { drift: unknown; applied: unknown; blocked: unknown };
    expect(printed.applied).toEqual([{ key: 'DB_HOST', action: 'copy' }]);
    expect(printed.blocked).toEqual([{ key: 'DB_PASSWORD', reason: "the value equals one of production's secrets; set staging's own value by hand" }]);
    expect(printed.drift).toEqual([{ key: 'DB_PASSWORD', kind: 'missing' }]);
    expect(out()).not.toContain('prod-pw');
    ssm.restore();
  });

  it('refuses an --apply whose plan would write under production\'s SSM path, sending no write at all', async () => {
    // Prepare: staging's path is misconfigured to sit inside production's, so the copy fixes land in production.
    const ssm = mockClient(SSMClient);
    ssm.on(GetParametersByPathCommand, { Path: '/bot/production/' }).resolves({ Parameters: [{ Name: '/bot/production/DB_HOST', Value: 'db.internal', Type: 'String' }] });
    ssm.on(GetParametersByPathCommand, { Path: '/bot/production/staging/' }).resolves({ Parameters: [{ Name: '/bot/production/staging/DB_HOST', Value: 'old', Type: 'String' }] });
    ssm.on(PutParameterCommand).resolves({});
    const aws: AwsClientFactory = { ssm: () => new SSMClient({}), secretsManager: () => { throw new Error('not used'); }, lambda: () => { throw new Error('not used'); } };
    const config = [
      'bot: support-bot',
      'databases: { production: { url: "postgres://u:p@127.0.0.1/a" }, staging: { url: "postgres://u:p@127.0.0.1/b" } }',
      'anonymize: { tables: {} }',
      'parity:',
      '  production: { ssmPath: /bot/production/ }',
      '  staging: { ssmPath: /bot/production/staging/ }',
      '  policy: { keys: { "DB_*": copy, "staging/*": ignore } }',
    ].join('\n');
    const dir = await workspace({ 'rehearsal.config.yaml': config });
    const { io } = captureIO(dir);

    // Act
    const error = await createParityCommand({ aws }).run(['--config', 'rehearsal.config.yaml', '--apply'], io).then(() => undefined, (caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(ProductionWriteBlockedError);
    expect((error as ProductionWriteBlockedError).exitCode).toBe(2);
    expect((error as Error).message).toContain("SSM parameter /bot/production/staging/DB_HOST is under production's path /bot/production/");
    expect((error as Error).message).not.toContain('db.internal');
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    ssm.restore();
  });

  it('exits 3 naming the parameter store when SSM cannot be reached', async () => {
    // Prepare
    const ssm = mockClient(SSMClient);
    ssm.on(GetParametersByPathCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const aws: AwsClientFactory = {
      ssm: () => new SSMClient({}),
      secretsManager: () => { throw new Error('not used'); },
      lambda: () => { throw new Error('not used'); },
    };
    const config = [
      'bot: support-bot',
      'databases: { production: { url: "postgres://u:p@127.0.0.1/a" }, staging: { url: "postgres://u:p@127.0.0.1/b" } }',
      'anonymize: { tables: {} }',
      'parity:',
      '  production: { ssmPath: /bot/production/, region: eu-west-1 }',
      '  staging: { ssmPath: /bot/staging/, region: eu-west-1 }',
      '  policy: { keys: { "*": copy } }',
    ].join('\n');
    const dir = await workspace({ 'rehearsal.config.yaml': config });
    const { io, err } = captureIO(dir);

    // Act
    const code = await createParityCommand({ aws }).run(['--config', 'rehearsal.config.yaml'], io).catch((error: { exitCode: number; message: string }) => {
      io.stderr.write(error.message);
      return error.exitCode;
    });

    // Assert
    expect(code).toBe(3);
    expect(err()).toContain('cannot reach SSM path /bot/production/: TimeoutError: connect ETIMEDOUT');
    ssm.restore();
  });
});
