import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../../bin/cli/main';
import { captureIO } from '../../../support/cli';
import { startIsolatedServer, type IsolatedServer } from '../../../support/isolated-server';
import { holdLock } from '../../../support/lost-connection';
import { query } from '../../../support/postgres';
import { DEMO_RULES, ORIGINALS } from '../../../shared/anonymize/fixtures';

/** This test stops its server mid-run, so it has one of its own, never the server the other test files share. */
describe('rehearsal anonymize when the server stops mid-run', () => {
  let server: IsolatedServer | undefined;
  beforeAll(async () => { server = await startIsolatedServer(); });
  afterAll(async () => { await server?.stop(); });

  it('exits 3 naming the table whose statistics were not refreshed when the server stops during its ANALYZE', async () => {
    // Prepare: a marked copy with users, masked by UPDATE; its VACUUM ANALYZE waits on another session's lock.
    if (!server) throw new Error('no server');
    await query(server.url(), 'CREATE DATABASE copy');
    const url = server.url('copy');
    await query(url, `COMMENT ON DATABASE copy IS 'rehearsal:copy'; ${await readFile(path.join(__dirname, '../../../../shared/demo/schema.sql'), 'utf8')}`);
    await query(url, "INSERT INTO users VALUES (1, $1, $2, $3, 'en-GB', '2026-01-01')", [ORIGINALS.emails[0], ORIGINALS.names[0], ORIGINALS.phones[0]]);
    const dir = await mkdtemp(path.join(tmpdir(), 'anonymize-stopped-'));
    await writeFile(path.join(dir, 'rules.yaml'), `mode: update\n${DEMO_RULES}`);
    const run = captureIO(dir, { REHEARSAL_MASKING_KEY: 'cli-test-masking-key-0123456789' });
    const lock = await holdLock(url, 'LOCK TABLE users IN SHARE UPDATE EXCLUSIVE MODE');

    // Act: the server stops (a fast shutdown, as for maintenance) while the ANALYZE after users' commit waits.
    const code = main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], run.io);
    await lock.waitFor(/^VACUUM ANALYZE "public"\."users"/);
    await server.stop();
    server = undefined;

    // Assess
    expect(await code).toBe(3);
    expect(run.stderr()).toContain('rehearsal anonymize: ConnectionLostError: lost the connection to the database (terminating connection due to administrator command, SQLSTATE 57P01) '
      + "after the masking of public.users committed, before its statistics were refreshed (ANALYZE): its rows are masked, but its planner statistics may still quote production's values. "
      + 'Running anonymize again on this copy with the same rules and key resumes by analysing public.users, then goes on');
    expect(run.stderr()).not.toContain('unexpected error');
    await lock.release();
  });
});
