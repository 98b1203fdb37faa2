import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { main } from '../../../../bin/cli/main';
import { captureIO } from '../../../support/cli';
import { holdLock } from '../../../support/lost-connection';
import { makeConfigInput } from '../../../support/config-factory';
import { dropDatabases, query, serverUrl } from '../../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES, ORIGINALS } from '../../../shared/anonymize/fixtures';

const KEY_VALUE = 'cli-test-masking-key-0123456789';

/** Captured IO with the masking key in the environment unless told otherwise. */
function captured(cwd: string, env: NodeJS.ProcessEnv = { REHEARSAL_MASKING_KEY: KEY_VALUE }) {
  const capturedIO = captureIO(cwd, env);
  return { io: capturedIO.io, out: capturedIO.stdout, err: capturedIO.stderr };
}

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'anonymize-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('rehearsal anonymize and verify', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase('cli');
    created.push(db.name);
    return db;
  };
  afterAll(() => dropDatabases(...created));

  it('refuses, without a config, a database nothing marks as a copy, and changes nothing', async () => {
    const db = await demo();
    await query(db.url, `COMMENT ON DATABASE "${db.name}" IS NULL`);
    const before = await allText(db.url);
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const run = captured(dir);

    const code = await main(['anonymize', '--database-url', db.url, '--rules', 'rules.yaml'], run.io);

    expect(code).toBe(2);
    expect(run.err()).toContain(`ProductionWriteBlockedError: refused to mask database "${db.name}": nothing says it is not production`);
    expect(await allText(db.url)).toEqual(before);
  });

  it('masks with --json giving rows per table, then verify --json prints no findings and exits 0', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const masked = captured(dir);
    const verified = captured(dir);

    const maskCode = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--json'], masked.io);
    const verifyCode = await main(['verify', '--database-url', url, '--rules', 'rules.yaml', '--json'], verified.io);

    expect(maskCode).toBe(0);
    const { tables } = JSON.parse(masked.out()) as { tables: { table: string; rows: number; durationMs: number }[] };
    expect(tables.map(({ table, rows }) => ({ table, rows })).sort((a, b) => a.table.localeCompare(b.table))).toEqual([
      { table: 'public.messages', rows: 4 }, { table: 'public.users', rows: 3 },
    ]);
    for (const table of tables) expect(Object.keys(table).sort()).toEqual(['durationMs', 'rows', 'table']);
    expect(verifyCode).toBe(0);
    expect(JSON.parse(verified.out())).toEqual({ findings: [] });
    expect(masked.out() + masked.err() + verified.out()).not.toContain(KEY_VALUE);
  });

  it('prints JSON on stdout with --json when it fails too: the error, its message and exit code', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const run = captured(dir);

    // Verify before any anonymize: no fingerprints to verify against.
    const code = await main(['verify', '--database-url', url, '--rules', 'rules.yaml', '--json'], run.io);

    expect(code).toBe(1);
    expect(JSON.parse(run.out())).toEqual({ error: { name: 'CheckFailedError', message: expect.stringContaining('no fingerprints to verify against'), exitCode: 1 } });
    expect(run.err()).toContain('no fingerprints to verify against');
  });

  it('exits 1 when a batch fails, saying on stderr that the committed batches stay masked and where running it again resumes', async () => {
    // Prepare: users masked in batches of 2; user 3's row locked by another session past the database's lock timeout.
    const { url, name } = await demo();
    await query(url, `ANALYZE; ALTER DATABASE "${name}" SET lock_timeout = '300ms'`);
    const dir = await workspace({ 'rules.yaml': `batchRows: 2\n${DEMO_RULES}` });
    const holder = new pg.Client(url);
    await holder.connect();
    const run = captured(dir);
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM users WHERE id = 3 FOR UPDATE');

      // Act
      const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], run.io);

      // Assess
      expect(code).toBe(1);
      expect(run.err()).toContain('MaskingFailedError: masking public.users failed: canceling statement due to lock timeout (SQLSTATE 55P03); '
        + 'public.users is masked in batches by id, each its own transaction: the batch that failed was rolled back, but the batch committed before it (2 rows, id up to 2) stays masked, so public.users is partly masked');
      expect(run.err()).toContain('Running anonymize again on this copy with the same rules and key resumes after id 2');
    } finally {
      await holder.end();
    }
    // Released, the same command resumes and finishes.
    expect(await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io)).toBe(0);
  });

  it('exits 3 naming the table when the connection is lost during the ANALYZE after its masking committed, and a second call finishes', async () => {
    // Prepare: users masked by UPDATE; its VACUUM ANALYZE waits on a lock another session holds, and is cut there.
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': `mode: update\n${DEMO_RULES}` });
    const lock = await holdLock(url, 'LOCK TABLE users IN SHARE UPDATE EXCLUSIVE MODE');
    const run = captured(dir);

    // Act
    const cut = lock.terminateWhenWaiting(/^VACUUM ANALYZE "public"\."users"/);
    const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--json'], run.io);
    await cut;

    // Assess: a named environment failure that says what committed and what to do, not an unexpected error.
    const message = 'lost the connection to the database (terminating connection due to administrator command, SQLSTATE 57P01) after the masking of public.users committed, '
      + "before its statistics were refreshed (ANALYZE): its rows are masked, but its planner statistics may still quote production's values. "
      + 'Running anonymize again on this copy with the same rules and key resumes by analysing public.users, then goes on. Until the run finishes, verify refuses this copy';
    expect(code).toBe(3);
    expect(run.err()).toBe(`rehearsal anonymize: ConnectionLostError: ${message}\n`);
    expect(JSON.parse(run.out())).toEqual({ error: { name: 'ConnectionLostError', message, exitCode: 3 } });
    const again = captured(dir);
    expect(await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], again.io)).toBe(0);
    expect(await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io)).toBe(0);
  });

  it('exits 0 changing nothing when anonymize runs again after a passing verify with the same rules, and 2 with rules that mask otherwise', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES, 'edited.yaml': DEMO_RULES.replace('locale: keep', 'locale: { strategy: fixed, value: en }') });
    await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io);
    expect(await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io)).toBe(0);
    const masked = await allText(url);
    const [again, json, edited] = [captured(dir), captured(dir), captured(dir)];

    const codes = [
      await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], again.io),
      await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--json'], json.io),
      await main(['anonymize', '--database-url', url, '--rules', 'edited.yaml'], edited.io),
    ];

    expect(codes).toEqual([0, 0, 2]);
    expect(again.out()).toMatch(/^already anonymized with these rules and key at \S+Z, and verified at \S+Z; nothing changed\n$/);
    expect(JSON.parse(json.out())).toEqual({ tables: [], alreadyAnonymized: { finishedAt: expect.any(String), verifiedAt: expect.any(String) } });
    expect(edited.err()).toMatch(/^rehearsal anonymize: ConfigError: this copy was anonymized at \S+ and verified at \S+ under rules that mask otherwise: .*nothing was changed\. Restore a fresh copy of production and anonymize that\n$/);
    expect(await allText(url)).toBe(masked);
  });

  it('exits 2 from verify given another key than anonymize used, saying where the key comes from, and keeps the fingerprints', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io);
    const wrong = captured(dir, { REHEARSAL_MASKING_KEY: 'another-masking-key-0123456789' });

    const code = await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], wrong.io);

    expect(code).toBe(2);
    expect(wrong.err()).toContain('ConfigError: the masking key differs from the one anonymize used');
    expect(wrong.err()).not.toContain('another-masking-key-0123456789');
    expect(await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io)).toBe(0);
  });

  it('exits 1 from verify with findings that name where, never what', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io);
    await query(url, 'UPDATE conversations SET channel = $1 WHERE id = 2', [ORIGINALS.emails[1]]);
    const verified = captured(dir);

    const code = await main(['verify', '--database-url', url, '--rules', 'rules.yaml', '--json'], verified.io);

    expect(code).toBe(1);
    const { findings } = JSON.parse(verified.out()) as { findings: { table: string; column: string; key: string; kind: string }[] };
    expect(findings).toContainEqual({ table: 'public.conversations', column: 'channel', key: 'id=2', kind: 'original value of public.users.email' });
    expect(verified.out()).not.toContain(ORIGINALS.emails[1]);
    // A failed verify keeps the fingerprints: the same findings, a line each, for a terminal.
    const read = captured(dir);
    expect(await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], read.io)).toBe(1);
    expect(read.out()).toContain('  public.conversations.channel (id=2): original value of public.users.email\n');
    expect(read.out()).not.toContain(ORIGINALS.emails[1]);
  });

  it('says on stderr what it removed from the copy beside masking: ties to production and orphaned large objects', async () => {
    const { url } = await demo();
    await query(url, `CREATE SUBSCRIPTION feed CONNECTION 'host=127.0.0.1 port=1 dbname=production' PUBLICATION orders WITH (connect = false)`);
    await query(url, `SELECT lo_from_bytea(0, convert_to('Statement of ann.smith@gmail.com', 'UTF8'))`);
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const run = captured(dir);

    expect(await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], run.io)).toBe(0);

    expect(run.err()).toContain('cut ties the copy kept from production: subscription feed\n');
    expect(run.err()).toContain('unlinked 1 large object(s) no kept column refers to\n');
    expect(run.err()).not.toContain('ann.smith');
  });

  it('refuses a database the config names as production, before reading the key or touching data', async () => {
    const { name, url } = await demo();
    const config = stringify(makeConfigInput({ databases: { production: { url: serverUrl(name) }, staging: { url: serverUrl(`${name}_staging`) } } }));
    const dir = await workspace({ 'rules.yaml': DEMO_RULES, 'rehearsal.config.yaml': config });
    const before = await allText(url);
    const run = captured(dir, {});

    const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--config', 'rehearsal.config.yaml'], run.io);

    expect(code).toBe(2);
    expect(run.err()).toContain('ProductionWriteBlockedError');
    expect(await allText(url)).toBe(before);
  });

  it('refuses the production the config names under another name of its host (localhost for 127.0.0.1), though it is marked as a copy', async () => {
    // Prepare: the config names production by address; the command names it by host name.
    const { name, url } = await demo();
    const byName = new URL(url);
    byName.hostname = 'localhost';
    const config = stringify(makeConfigInput({ databases: { production: { url: serverUrl(name) }, staging: { url: serverUrl(`${name}_staging`) } } }));
    const dir = await workspace({ 'rules.yaml': DEMO_RULES, 'rehearsal.config.yaml': config });
    const before = await allText(url);
    const run = captured(dir, {});

    // Act
    const code = await main(['anonymize', '--database-url', byName.toString(), '--rules', 'rules.yaml', '--config', 'rehearsal.config.yaml'], run.io);

    // Assert
    expect(code).toBe(2);
    expect(run.err()).toContain(`ProductionWriteBlockedError: refused to mask localhost:${byName.port}/${name}: the config names it as production (as 127.0.0.1, the same machine)`);
    expect(await allText(url)).toBe(before);
  });

  it('refuses, with a config, a database nothing marks as a copy: the config naming another production proves nothing', async () => {
    const db = await demo();
    await query(db.url, `COMMENT ON DATABASE "${db.name}" IS NULL`);
    const config = stringify(makeConfigInput({ databases: { production: { url: serverUrl(`${db.name}_production`) }, staging: { url: serverUrl(`${db.name}_staging`) } } }));
    const dir = await workspace({ 'rules.yaml': DEMO_RULES, 'rehearsal.config.yaml': config });
    const before = await allText(db.url);
    const run = captured(dir);

    const code = await main(['anonymize', '--database-url', db.url, '--rules', 'rules.yaml', '--config', 'rehearsal.config.yaml'], run.io);

    expect(code).toBe(2);
    expect(run.err()).toContain(`refused to mask database "${db.name}": nothing says it is not production. If it is a copy, mark it on purpose: COMMENT ON DATABASE "${db.name}" IS 'rehearsal:copy'`);
    expect(await allText(db.url)).toEqual(before);
  });

  it('names on --dry-run the line of a fixed value its column\'s type refuses, as a run does, not a broken check', async () => {
    const { url } = await demo();
    await query(url, 'ALTER TABLE users ADD COLUMN age integer');
    const dir = await workspace({ 'rules.yaml': DEMO_RULES.replace('      locale: keep\n', '      locale: keep\n      age: { strategy: fixed, value: "abc" }\n') });
    const run = captured(dir);

    const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--dry-run'], run.io);

    expect(code).toBe(2);
    expect(run.err()).toMatch(/rules\.yaml:\d+: tables\.public\.users\.columns\.age: the rule does not apply to integer: invalid input syntax for type integer: "abc"/);
  });

  it('refuses incomplete coverage with exit 1, naming each unclassified column, and changes nothing', async () => {
    const { url } = await demo();
    await query(url, 'ALTER TABLE users ADD COLUMN nickname text');
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const before = await allText(url);
    const run = captured(dir);

    const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml'], run.io);

    expect(code).toBe(1);
    expect(run.err()).toContain('CoverageError');
    expect(run.err()).toMatch(/rules\.yaml:\d+: tables\.public\.users\.columns\.nickname: column public\.users\.nickname \(text\) has no rule/);
    expect(await allText(url)).toBe(before);
  });

  it('prints a plan and before/after samples on --dry-run with originals only as fingerprints, changing nothing', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const before = await allText(url);
    const run = captured(dir);

    const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--dry-run'], run.io);

    expect(code).toBe(0);
    expect(run.out()).toContain('public.users: rewrite (one ALTER TABLE pass): email=email [unique], full_name=fullName, phone=phone');
    expect(run.out()).toMatch(/1 email: fp:[0-9a-f]{8} -> [a-z]+\.[a-z]+\.[0-9a-f]{12}@example\.(com|org|net)/);
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names]) expect(run.out()).not.toContain(value);
    expect(await allText(url)).toBe(before);
    expect(await query(url, "SELECT 1 FROM pg_namespace WHERE nspname = 'rehearsal_mask'")).toEqual([]);
  });

  it('says on --dry-run how each table would be masked and why one cannot be rewritten, in text and JSON', async () => {
    const { url } = await demo();
    await query(url, 'CREATE VIEW user_contacts AS SELECT id, email FROM users');
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const [text, json] = [captured(dir), captured(dir)];

    await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--dry-run'], text.io);
    await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--dry-run', '--json'], json.io);

    expect(text.out()).toContain('public.users: UPDATE, then VACUUM ANALYZE (a view or rule uses a masked column): email=email');
    expect(text.out()).toContain('public.messages: rewrite (one ALTER TABLE pass): body=scrubText');
    const methods = (JSON.parse(json.out()) as { methods: unknown[] }).methods;
    expect(methods).toEqual(expect.arrayContaining([
      { table: 'public.users', mode: 'update', because: 'a view or rule uses a masked column' },
      { table: 'public.messages', mode: 'rewrite' },
    ]));
  });

  it('says on --dry-run what the run would remove beside the rows, changing none of it, in text and JSON', async () => {
    const { url } = await demo();
    await query(url, `CREATE SUBSCRIPTION feed CONNECTION 'host=127.0.0.1 port=1 dbname=production' PUBLICATION orders WITH (connect = false);
      CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total_cents) AS total FROM orders GROUP BY user_id`);
    await query(url, `SELECT lo_from_bytea(0, 'statement'), lo_from_bytea(0, 'invoice')`);
    const dir = await workspace({ 'rules.yaml': DEMO_RULES });
    const [text, json] = [captured(dir), captured(dir)];

    expect(await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--dry-run'], text.io)).toBe(0);
    expect(await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--dry-run', '--json'], json.io)).toBe(0);

    expect(text.out()).toContain(['Besides the rows', '  cut ties the copy kept from production: subscription feed',
      '  unlink 2 large object(s) no kept column would refer to', '  refresh materialized views from the masked tables: public.order_totals'].join('\n'));
    expect((JSON.parse(json.out()) as { besides: unknown }).besides).toEqual({ cut: ['subscription feed'], largeObjectsUnlinked: 2, refreshed: ['public.order_totals'] });
    expect(await query(url, 'SELECT (SELECT count(*) FROM pg_largeobject_metadata)::int AS files, (SELECT count(*) FROM pg_subscription WHERE subname = $1)::int AS feeds', ['feed']))
      .toEqual([{ files: 2, feeds: 1 }]);
    await query(url, 'ALTER SUBSCRIPTION feed DISABLE; ALTER SUBSCRIPTION feed SET (slot_name = NONE); DROP SUBSCRIPTION feed');
  });

  it('reports a bad rules file with its line and exit 2, and a missing key with exit 2', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'bad.yaml': 'tables:\n  public.users:\n    columns:\n      email: emial\n', 'rules.yaml': DEMO_RULES });
    const bad = captured(dir);
    const keyless = captured(dir, {});

    expect(await main(['anonymize', '--database-url', url, '--rules', 'bad.yaml'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/bad\.yaml:4: tables\.public\.users\.columns\.email/);
    expect(await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], keyless.io)).toBe(2);
    // Where a command-line user can give one: the variable or --key-file, not the config's syntax.
    expect(keyless.err()).toContain('the masking key is not set: export REHEARSAL_MASKING_KEY (at least 16 characters) or pass --key-file FILE');
  });

  it('says a key file is empty, not too short', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES, 'mask.key': '\n' });
    const run = captured(dir, {});

    expect(await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--key-file', 'mask.key'], run.io)).toBe(2);
    expect(run.err()).toContain(`the masking key in file ${path.join(dir, 'mask.key')} is empty: at least 16 characters are needed`);
  });

  it('reads the key from --key-file', async () => {
    const { url } = await demo();
    const dir = await workspace({ 'rules.yaml': DEMO_RULES, 'mask.key': `${KEY_VALUE}\n` });

    const code = await main(['anonymize', '--database-url', url, '--rules', 'rules.yaml', '--key-file', 'mask.key'], captured(dir, {}).io);

    expect(code).toBe(0);
    expect(await main(['verify', '--database-url', url, '--rules', 'rules.yaml'], captured(dir).io)).toBe(0);
  });
});
