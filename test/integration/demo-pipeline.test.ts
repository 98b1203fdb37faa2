import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setUpDemo, type DemoSetup } from '../../examples/demo/run-demo';
import { loadConfig } from '../../shared/config/load';
import { runLocally } from '../../shared/pipeline/local-run';
import { silentLog } from '../../shared/pipeline/log';
import { PHASE_NAMES, type RunReport } from '../../shared/pipeline/report';
import { databasesStartingWith, dropDatabases, query, serverUrl, uniqueName } from '../support/postgres';

/**
 * The walking skeleton end to end: the demo's generated production database, the example bot and the
 * full pipeline, on the real PostgreSQL of the test run, at a small scale.
 */
describe('the demo pipeline on real PostgreSQL', () => {
  let setup: DemoSetup;
  let outDir: string;

  beforeEach(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-it-'));
    const production = uniqueName('support');
    setup = await setUpDemo({
      scale: 0.02, outDir, log: silentLog, env: {}, serverUrl: serverUrl(),
      databases: { production, staging: `${production}_staging` },
    });
  });

  afterEach(async () => {
    await setup.stop();
    await dropDatabases(...(await databasesStartingWith(setup.databases.production)));
  });

  async function run(): Promise<RunReport> {
    const loaded = await loadConfig(setup.configFile, setup.env);
    return runLocally({ loaded, outDir, env: setup.env, log: silentLog });
  }
  const production = (sql: string, params: unknown[] = []) => query(setup.databaseUrl(setup.databases.production), sql, params);
  const staging = (sql: string, params: unknown[] = []) => query(setup.databaseUrl(setup.databases.staging), sql, params);

  it('passes every phase and leaves no original email, phone or name anywhere in staging', async () => {
    const originals = await production(
      'SELECT email, phone, full_name FROM users ORDER BY id LIMIT 200') as { email: string; phone: string | null; full_name: string }[];
    const before = await production('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM messages) AS messages, (SELECT md5(string_agg(body, \'\' ORDER BY id)) FROM messages) AS digest');

    const report = await run();

    expect(report.phases.map((phase) => phase.name)).toEqual([...PHASE_NAMES]);
    expect(report.phases.map((phase) => [phase.name, phase.status])).toEqual(PHASE_NAMES.map((name) => [name, 'passed']));
    expect(report.status).toBe('passed');
    expect(JSON.parse(await readFile(path.join(outDir, 'report.json'), 'utf8'))).toMatchObject({ status: 'passed', phases: expect.any(Array) });

    // Search every text column of every table ourselves, rather than trusting verify.
    const needles = originals.flatMap((row) => [row.email, row.full_name, ...(row.phone ? [row.phone] : [])]);
    const columns = await staging(`SELECT table_name, column_name FROM information_schema.columns
                                    WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')`);
    expect(columns.length).toBeGreaterThanOrEqual(6);
    for (const { table_name: table, column_name: column } of columns as { table_name: string; column_name: string }[]) {
      const found = await staging(
        `SELECT count(*)::int AS n FROM "${table}" t JOIN unnest($1::text[]) AS needle ON position(needle IN t."${column}"::text) > 0`, [needles]);
      expect({ table, column, found: found[0]?.n }).toEqual({ table, column, found: 0 });
    }
    // Staging stays useful: same rows, and joins still hold.
    expect(await staging('SELECT count(*)::int AS n FROM messages')).toEqual(await production('SELECT count(*)::int AS n FROM messages'));
    expect(await staging('SELECT count(*)::int AS n FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL')).toEqual([{ n: 0 }]);
    // Production is exactly as it was.
    expect(await production('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM messages) AS messages, (SELECT md5(string_agg(body, \'\' ORDER BY id)) FROM messages) AS digest')).toEqual(before);
    expect(await databasesStartingWith(setup.databases.staging)).toEqual([setup.databases.staging]);
  });

  it('stops before promote when a column has no rule, and leaves staging untouched', async () => {
    await production('ALTER TABLE users ADD COLUMN nickname text');
    const stagingBefore = await staging('SELECT count(*)::int AS users FROM users');

    const report = await run();

    const status = Object.fromEntries(report.phases.map((phase) => [phase.name, phase.status]));
    expect(report.exitCode).toBe(1);
    expect(status).toMatchObject({ anonymize: 'failed', verify: 'not-run', promote: 'not-run', publish: 'passed' });
    expect(report.phases.find((phase) => phase.name === 'anonymize')?.summary).toContain('users.nickname');
    expect(await staging('SELECT count(*)::int AS users FROM users')).toEqual(stagingBefore);
    expect(await databasesStartingWith(setup.databases.staging)).toEqual([setup.databases.staging]);
  });

  it('never swaps in a candidate whose masking broke, and removes it', async () => {
    // Production's data satisfies this; any masked email on a reserved domain breaks it in the candidate.
    await production(String.raw`ALTER TABLE users ADD CONSTRAINT real_domains_only CHECK (email !~* '(\.(test|example|invalid|localhost)|@example\.(com|net|org))$')`);
    const stagingBefore = await staging('SELECT count(*)::int AS users FROM users');

    const report = await run();

    const status = Object.fromEntries(report.phases.map((phase) => [phase.name, phase.status]));
    expect(report.exitCode).not.toBe(0);
    expect(status).toMatchObject({ anonymize: 'failed', promote: 'not-run' });
    expect(report.settlement.action).toBe('discarded-candidate');
    expect(await staging('SELECT count(*)::int AS users FROM users')).toEqual(stagingBefore);
    expect(await databasesStartingWith(setup.databases.staging)).toEqual([setup.databases.staging]);
  });
});
