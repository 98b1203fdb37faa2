import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { ConnectionLostError } from '../../../shared/anonymize/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { holdLock } from '../../support/lost-connection';
import { allText, createDemoDatabase, DEMO_RULES, demoRules, KEY, ORIGINALS } from './fixtures';

/** What every message here starts with: pg_terminate_backend's words, as the server sends them. */
const LOST = 'lost the connection to the database (terminating connection due to administrator command, SQLSTATE 57P01)';
const AGAIN = 'Running anonymize again on this copy with the same rules and key';
const UNTIL = 'Until the run finishes, verify refuses this copy';

describe('anonymize when its connection is lost, at each step of a run', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase('lost');
    created.push(db.name);
    return db;
  };
  afterAll(() => dropDatabases(...created));

  /**
   * Runs anonymize while another session holds `lockSql`, and terminates anonymize's backend once it
   * waits on that lock running a statement that matches `waiting`; returns what anonymize threw.
   */
  const cutWhileWaiting = async (url: string, rules: string, lockSql: string, waiting: RegExp): Promise<unknown> => {
    const lock = await holdLock(url, lockSql);
    try {
      const cut = lock.terminateWhenWaiting(waiting);
      const error = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY }).catch((caught: unknown) => caught);
      await cut;
      return error;
    } finally {
      await lock.release();
    }
  };
  const finish = (url: string, rules: string) => anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });
  const analysedSteps = async (url: string) => (await query<{ step: string }>(url, "SELECT step FROM rehearsal_mask.progress WHERE step LIKE 'analyzed:%' ORDER BY step")).map(({ step }) => step);

  it('names the table whose ANALYZE was cut after its masking committed, then resumes by analysing it, and verify passes', async () => {
    // Prepare: tables masked by UPDATE; the VACUUM ANALYZE after users' commit waits on a lock another session holds.
    const { url } = await demo();
    const rules = `mode: update\n${DEMO_RULES}`;
    const lockUsers = 'LOCK TABLE users IN SHARE UPDATE EXCLUSIVE MODE';

    // Act: cut during the ANALYZE after the commit, then again during the resumed run's ANALYZE of the same table.
    const first = await cutWhileWaiting(url, rules, lockUsers, /^VACUUM ANALYZE "public"\."users"/);
    const usersMasked = await query<{ email: string }>(url, 'SELECT email FROM users ORDER BY id');
    const resumed = await cutWhileWaiting(url, rules, lockUsers, /^VACUUM ANALYZE "public"\."users"/);
    const done = await finish(url, rules);

    // Assess
    const expected = `${LOST} after the masking of public.users committed, before its statistics were refreshed (ANALYZE): its rows are masked, `
      + `but its planner statistics may still quote production's values. ${AGAIN} resumes by analysing public.users, then goes on. ${UNTIL}`;
    for (const error of [first, resumed]) {
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(error).toMatchObject({ exitCode: 3, stage: { step: 'analysing', table: 'public.users' } });
      expect((error as Error).message).toBe(expected);
    }
    expect(usersMasked.map(({ email }) => email)).not.toContain(ORIGINALS.emails[0]);
    expect(done.status).toBe('done');
    expect(await analysedSteps(url)).toEqual(['analyzed:public.messages', 'analyzed:public.users']);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY })).findings).toEqual([]);
  });

  it('names a batched table whose VACUUM ANALYZE was cut after its last batch committed, and resumes by analysing it', async () => {
    const { url } = await demo();
    await query(url, 'ANALYZE');
    const rules = `batchRows: 2\n${DEMO_RULES}`;

    const error = await cutWhileWaiting(url, rules, 'LOCK TABLE users IN SHARE UPDATE EXCLUSIVE MODE', /^VACUUM ANALYZE "public"\."users"/);
    const done = await finish(url, rules);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toContain(`${LOST} after the masking of public.users committed, before its statistics were refreshed (ANALYZE)`);
    expect(done.status).toBe('done');
    expect(await analysedSteps(url)).toContain('analyzed:public.users');
  });

  it('says a table cut while it was rewritten was rolled back and is unchanged, and a new call resumes with it', async () => {
    // Prepare: the rewrite of users (ALTER TABLE) waits on a reader's lock.
    const [cutDb, whole] = [await demo(), await demo()];
    const before = await query(cutDb.url, 'SELECT * FROM users ORDER BY id');

    const error = await cutWhileWaiting(cutDb.url, DEMO_RULES, 'LOCK TABLE users IN ACCESS SHARE MODE', /^ALTER TABLE "public"\."users"/);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ stage: { step: 'masking', table: 'public.users' } });
    expect((error as Error).message).toBe(`${LOST} while masking public.users: public.users was rolled back and is unchanged, and the tables masked before it stay masked. ${AGAIN} resumes with public.users. ${UNTIL}`);
    expect(await query(cutDb.url, 'SELECT * FROM users ORDER BY id')).toEqual(before);
    await expect(finish(cutDb.url, DEMO_RULES)).resolves.toMatchObject({ status: 'done' });
    await finish(whole.url, DEMO_RULES);
    expect(await allText(cutDb.url)).toBe(await allText(whole.url));
  });

  it('says a batched table cut mid-batch keeps the batches committed before it, and a new call resumes after them', async () => {
    // Prepare: batches of 2 users; user 3's row locked, so the second batch waits.
    const [cutDb, whole] = [await demo(), await demo()];
    await query(cutDb.url, 'ANALYZE');
    const rules = `batchRows: 2\n${DEMO_RULES}`;

    const error = await cutWhileWaiting(cutDb.url, rules, 'SELECT 1 FROM users WHERE id = 3 FOR UPDATE', /^UPDATE (ONLY )?"public"\."users"/);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ stage: { step: 'masking', table: 'public.users', batches: { key: 'id', batches: 1, rows: 2, through: '2' } } });
    expect((error as Error).message).toBe(`${LOST} while masking public.users: public.users is masked in batches by id, each its own transaction: the batch that failed was rolled back, `
      + `but the batch committed before it (2 rows, id up to 2) stays masked, so public.users is partly masked, and the tables masked before it stay masked. ${AGAIN} resumes after id 2. ${UNTIL}`);
    await expect(finish(cutDb.url, rules)).resolves.toMatchObject({ status: 'done' });
    await finish(whole.url, DEMO_RULES);
    expect(await allText(cutDb.url)).toBe(await allText(whole.url));
  });

  it('says nothing is masked when the run is cut while preparing, and a new call starts over', async () => {
    // Prepare: messages is truncated while preparing, and its TRUNCATE waits on a reader's lock.
    const { url } = await demo();
    const rules = DEMO_RULES.replace(/ {2}public\.messages:\n( {4}.*\n| {6}.*\n)*/, '  public.messages: truncate\n');
    const before = await allText(url);

    const error = await cutWhileWaiting(url, rules, 'LOCK TABLE messages IN ACCESS SHARE MODE', /^TRUNCATE/);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toBe(`${LOST} while preparing the run (fingerprints, known values, truncations), before it committed: the preparation was rolled back and nothing is masked. `
      + 'Running anonymize again on this copy starts the run over');
    expect(await allText(url)).toBe(before);
    expect(await query(url, "SELECT 1 FROM pg_namespace WHERE nspname = 'rehearsal_mask'")).toEqual([]);
    await expect(finish(url, rules)).resolves.toMatchObject({ status: 'done' });
  });

  it('says how many table groups are masked when the run is cut between them, and a new call resumes with the next', async () => {
    // Prepare: a first call masks one table group and stops (its time is up); the next waits on a lock on the run's own known values before masking.
    const { url } = await demo();
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, budgetMs: 0 });

    const error = await cutWhileWaiting(url, DEMO_RULES, 'LOCK TABLE rehearsal_mask.known_values IN ACCESS EXCLUSIVE MODE', /known_values/);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ stage: { step: 'between', done: 1, units: 2 } });
    expect((error as Error).message).toBe(`${LOST} between tables: 1 of 2 table groups are masked and committed, none is half done. ${AGAIN} resumes with the next. ${UNTIL}`);
    await expect(finish(url, DEMO_RULES)).resolves.toMatchObject({ status: 'done', progress: { done: expect.arrayContaining(['public.messages', 'public.users']) } });
  });

  it('says a materialized view cut while it was refreshed still holds production\'s rows, and a new call refreshes it', async () => {
    const { url } = await demo();
    await query(url, 'CREATE MATERIALIZED VIEW user_emails AS SELECT id, email FROM users');

    const error = await cutWhileWaiting(url, DEMO_RULES, 'SELECT 1 FROM user_emails LIMIT 1', /^REFRESH MATERIALIZED VIEW/);
    const held = await query<{ email: string }>(url, 'SELECT email FROM user_emails ORDER BY id');
    const masked = await query(url, 'SELECT * FROM users ORDER BY id');
    const done = await finish(url, DEMO_RULES);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toBe(`${LOST} after every table was masked and committed, while refreshing materialized view public.user_emails: `
      + `public.user_emails, and any materialized view not refreshed yet, still holds the rows production gave it. ${AGAIN} masks nothing again and redoes the last steps. ${UNTIL}`);
    expect(held.map(({ email }) => email)).toContain(ORIGINALS.emails[0]);
    // Nothing masked again; the tables the cut call masked are counted from the run's record (run-figures.ts).
    expect(await query(url, 'SELECT * FROM users ORDER BY id')).toEqual(masked);
    expect(done).toMatchObject({ status: 'done', progress: { tables: [{ table: 'public.messages' }, { table: 'public.users' }] } });
    expect((await query<{ email: string }>(url, 'SELECT email FROM user_emails')).map(({ email }) => email)).not.toContain(ORIGINALS.emails[0]);
  });

  it('says some statistics may still quote production when the run is cut while clearing those of an empty table', async () => {
    // Prepare: a kept table production emptied after its last ANALYZE (its statistics quote its old rows); restating its columns waits on a reader's lock.
    const { url } = await demo();
    await query(url, `CREATE TABLE audit (id int PRIMARY KEY, note text); INSERT INTO audit SELECT g, 'note ' || g FROM generate_series(1, 50) g; ANALYZE audit; DELETE FROM audit`);
    const rules = `${DEMO_RULES}  public.audit:\n    columns: { id: keep, note: keep }\n`;

    const error = await cutWhileWaiting(url, rules, 'LOCK TABLE audit IN ACCESS SHARE MODE', /^ALTER TABLE "public"\."audit"/);

    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toBe(`${LOST} after every table was masked and committed, while analysing inheritance parents and clearing the statistics ANALYZE leaves (of empty tables, of targets of 0): `
      + `some planner statistics may still quote production's values. ${AGAIN} masks nothing again and redoes the last steps. ${UNTIL}`);
    await expect(finish(url, rules)).resolves.toMatchObject({ status: 'done' });
    expect(await query(url, "SELECT attname FROM pg_stats WHERE tablename = 'audit'")).toEqual([]);
  });
});
