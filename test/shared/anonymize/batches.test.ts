import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
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
    expect(await query(batched.url, 'SELECT unit, count(*)::int AS batches, sum(rows)::int AS rows FROM rehearsal_mask.batches GROUP BY unit ORDER BY unit'))
      .toEqual([{ unit: 'public.messages', batches: 2, rows: 4 }, { unit: 'public.users', batches: 2, rows: 3 }]);
    await anonymizeDatabase({ connection: { connectionString: whole.url }, source: demoRules(), key: KEY });
    expect(await allText(batched.url)).toBe(await allText(whole.url));
  });

  it('masks whole every table estimated at no more rows than batchRows', async () => {
    const { url } = await demo();

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`batchRows: 1000\n${DEMO_RULES}`), key: KEY });

    expect(new Set(result.progress.tables.map(({ mode }) => mode))).toEqual(new Set(['rewrite']));
    expect(await query(url, 'SELECT count(*)::int AS n FROM rehearsal_mask.batches')).toEqual([{ n: 0 }]);
  });
});
