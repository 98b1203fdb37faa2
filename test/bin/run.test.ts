import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../bin/cli/main';
import { COMMANDS } from '../../bin/cli/commands';
import { captureIO } from '../support/cli';
import { makeConfigInput } from '../support/config-factory';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../support/postgres';

describe('rehearsal run', () => {
  it('exits 2 with one message per problem, each with file, line and path, and touches nothing', async () => {
    const prod = uniqueName('prod');
    await createDatabase(prod);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-cli-'));
    const input = makeConfigInput({
      databases: { production: { url: serverUrl(prod) }, staging: { url: serverUrl(`${prod}_stg`) } },
      anonymize: { tables: { 'public.users': { columns: { id: 'keep', email: 'emial', phone: { strategy: 'dateShift' } } } } },
    });
    await writeFile(path.join(dir, 'rehearsal.config.yaml'), stringify(input));
    const cli = captureIO(dir, { REHEARSAL_MASKING_KEY: 'k'.repeat(32) });

    const code = await main(['run', '--config', 'rehearsal.config.yaml'], cli.io);

    expect(code).toBe(2);
    const lines = cli.stderr().trim().split('\n');
    expect(lines[0]).toContain('ConfigError');
    expect(cli.stderr()).toMatch(/rehearsal\.config\.yaml:\d+: anonymize\.tables\.public\.users\.columns\.email\.strategy: unknown strategy "emial"/);
    expect(cli.stderr()).toMatch(/rehearsal\.config\.yaml:\d+: anonymize\.tables\.public\.users\.columns\.phone\.maxDays: /);
    expect(await query(serverUrl(), 'SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prod}%`])).toEqual([{ datname: prod }]);
    expect(await readdir(dir)).toEqual(['rehearsal.config.yaml']);
    await dropDatabases(prod);
  });

  it('exits 2 and names the variable when the masking key is missing, before anything changes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-cli-'));
    await writeFile(path.join(dir, 'c.yaml'), stringify(makeConfigInput()));
    const cli = captureIO(dir);

    const code = await main(['run', '--config', 'c.yaml'], cli.io);

    expect(code).toBe(2);
    expect(cli.stderr()).toContain('maskingKey: the masking key is not set: export REHEARSAL_MASKING_KEY');
    expect(await readdir(dir)).toEqual(['c.yaml']);
  });

  it('exits 2 on an unknown option and shows the usage', async () => {
    const cli = captureIO('/tmp');

    const code = await main(['run', '--confg', 'x'], cli.io);

    expect(code).toBe(2);
    expect(cli.stderr()).toContain("Unknown option '--confg'");
    expect(cli.stderr()).toContain('Usage: rehearsal run --config FILE');
  });

  it('exits 2 on an unknown command, saying which it most likely meant and listing the commands', async () => {
    const cli = captureIO('/tmp');

    expect(await main(['anonymise'], cli.io)).toBe(2);
    expect(cli.stderr()).toMatch(/unknown command "anonymise" \(did you mean anonymize\?\); expected one of .*demo.*run/);
  });

  it.each(COMMANDS.map((command) => [command.name]))('prints the usage of %s with --help, ending in what each exit code means', async (name) => {
    const cli = captureIO('/tmp');

    expect(await main([name, '--help'], cli.io)).toBe(0);

    expect(cli.stdout()).toMatch(new RegExp(`^Usage: rehearsal ${name}`));
    expect(cli.stdout()).toMatch(/\nExit codes: 0 [^\n]*(\n[^\n]*)?\n$/);
  });

  it('exits 2 without a command, the help on stderr so stdout stays empty, and 0 with --help, the help on stdout', async () => {
    const bare = captureIO('/tmp');
    const asked = captureIO('/tmp');

    expect(await main([], bare.io)).toBe(2);
    expect(await main(['--help'], asked.io)).toBe(0);

    expect(bare.stdout()).toBe('');
    expect(bare.stderr()).toContain('Usage: rehearsal <command> [options]');
    expect(asked.stdout()).toContain('Usage: rehearsal <command> [options]');
  });
});
