import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { MaskingFailedError } from '../../../shared/anonymize/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES, demoRules, KEY, ORIGINALS } from './fixtures';

describe('masking big tables in key-range batches', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase('batches');
    created.push(db.name);
    // Batching is decided on PostgreSQL's row estimate, which ANALYZE sets (a restored snapshot has it).
    await query(db.url, 'ANALYZE');
    return db;
  };
  afterAll(() => dropDatabases(...created));

  it('stops between batches when its time is up, resumes after the last committed batch, and ends with the fakes of one statement', async () => {
    const [batched, whole] = [await demo(), await demo()];
    const rules = demoRules(`batchRows: 2\n${DEMO_RULES}`);
    const connection = { connectionString: batched.url };

    const first = await anonymizeDatabase({ connection, source: rules, key: KEY, budgetMs: 0 });

    expect(first.status).toBe('pending');
    const ranges = await query<{ unit: string; hi: string; rows: string }>(batched.url, 'SELECT unit, hi, rows::text FROM rehearsal_mask.batches ORDER BY unit, hi');
    expect(ranges).toEqual([{ unit: 'public.messages', hi: '2', rows: '2' }]);
    const bodies = (await query<{ body: string }>(batched.url, 'SELECT body FROM messages ORDER BY id')).map(({ body }) => body);
    expect(bodies[0]).not.toContain(ORIGINALS.emails[0]);
    expect(bodies[2]).toContain(ORIGINALS.emails[2]);

    const second = await anonymizeDatabase({ connection, source: rules, key: KEY, progress: first.progress });

    expect(second.status).toBe('done');
    expect(second.progress.tables.map(({ table, rows, mode }) => [table, rows, mode]).sort()).toEqual([['public.messages', 4, 'batched'], ['public.users', 3, 'batched']]);
    // Called again without its state (a retried Lambda), the finished run still counts both tables.
    const again = await anonymizeDatabase({ connection, source: rules, key: KEY });
    expect(again.progress.tables.map(({ table, rows, mode }) => [table, rows, mode]).sort()).toEqual([['public.messages', 4, 'batched'], ['public.users', 3, 'batched']]);
    expect(await query(batched.url, 'SELECT unit, count(*)::int AS batches, sum(rows)::int AS rows FROM rehearsal_mask.batches GROUP BY unit ORDER BY unit'))
      .toEqual([{ unit: 'public.messages', batches: 2, rows: 4 }, { unit: 'public.users', batches: 2, rows: 3 }]);
    await anonymizeDatabase({ connection: { connectionString: whole.url }, source: demoRules(), key: KEY });
    expect(await allText(batched.url)).toBe(await allText(whole.url));
  });

  it('says, when a batch fails, that the batches committed before it stay masked and that a new call resumes after them', async () => {
    // Prepare: a constraint only the fake of user 3 breaks, in the second batch of users, and not tried beforehand (triedRows: 0).
    const [batched, whole] = [await demo(), await demo()];
    await query(batched.url, "ALTER TABLE users ADD CONSTRAINT users_third_email CHECK (id <> 3 OR email NOT LIKE '%@example.%')");
    const rules = demoRules(`batchRows: 2\n${DEMO_RULES}`);
    const connection = { connectionString: batched.url };

    // Act
    const error = await anonymizeDatabase({ connection, source: rules, key: KEY, triedRows: 0 }).catch((caught: unknown) => caught);

    // Assess: the error says what committed, what was rolled back and where a new call resumes; the data agrees.
    expect(error).toBeInstanceOf(MaskingFailedError);
    expect(error).toMatchObject({ table: 'public.users', constraint: 'users_third_email', exitCode: 1, batches: { key: 'id', batches: 1, rows: 2, through: '2' } });
    expect((error as Error).message).toBe('masking public.users failed on constraint users_third_email: new row for relation "users" violates check constraint "users_third_email" (SQLSTATE 23514); '
      + 'public.users is masked in batches by id, each its own transaction: the batch that failed was rolled back, but the batch committed before it (2 rows, id up to 2) stays masked, '
      + 'so public.users is partly masked, and the tables masked before it stay masked. Running anonymize again on this copy with the same rules and key resumes after id 2; '
      + 'rules that mask otherwise are refused (restore a fresh copy for those). Until the run finishes, verify refuses this copy');
    expect((error as Error).message).not.toContain('was rolled back and is unchanged');
    const emails = (await query<{ email: string }>(batched.url, 'SELECT email FROM users ORDER BY id')).map(({ email }) => email);
    expect(emails.slice(0, 2)).not.toContain(ORIGINALS.emails[0]);
    expect(emails.slice(0, 2)).not.toContain(ORIGINALS.emails[1]);
    expect(emails[2]).toBe(ORIGINALS.emails[2]);
    await expect(verifyDatabase({ connection, source: rules, key: KEY })).rejects.toThrow('anonymize has not finished on this copy (1 of 2 table groups masked; not yet: public.users), so it cannot be verified');

    // Once the constraint is gone, the same rules resume after id 2 and end as one whole masking does.
    await query(batched.url, 'ALTER TABLE users DROP CONSTRAINT users_third_email');
    await expect(anonymizeDatabase({ connection, source: rules, key: KEY, triedRows: 0 })).resolves.toMatchObject({ status: 'done' });
    expect(await query(batched.url, "SELECT hi FROM rehearsal_mask.batches WHERE unit = 'public.users' ORDER BY hi")).toEqual([{ hi: '2' }, { hi: '3' }]);
    await anonymizeDatabase({ connection: { connectionString: whole.url }, source: demoRules(), key: KEY });
    expect(await allText(batched.url)).toBe(await allText(whole.url));
  });

  it('says a batched table is unchanged when its first batch fails', async () => {
    const { url } = await demo();
    await query(url, "ALTER TABLE users ADD CONSTRAINT users_first_email CHECK (id <> 1 OR email NOT LIKE '%@example.%')");
    const before = await query(url, 'SELECT * FROM users ORDER BY id');

    const error = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`batchRows: 2\n${DEMO_RULES}`), key: KEY, triedRows: 0 }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ table: 'public.users', batches: { batches: 0, rows: 0 } });
    expect((error as Error).message).toContain('public.users is masked in batches by id, each its own transaction: the batch that failed was rolled back, and none had committed before it, so public.users is unchanged');
    expect((error as Error).message).toContain('resumes with public.users');
    expect(await query(url, 'SELECT * FROM users ORDER BY id')).toEqual(before);
  });

  it('masks whole every table estimated at no more rows than batchRows', async () => {
    const { url } = await demo();

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`batchRows: 1000\n${DEMO_RULES}`), key: KEY });

    expect(new Set(result.progress.tables.map(({ mode }) => mode))).toEqual(new Set(['rewrite']));
    expect(await query(url, 'SELECT count(*)::int AS n FROM rehearsal_mask.batches')).toEqual([{ n: 0 }]);
  });
});
