import { LocalDatabaseProvider } from '../../../shared/db/local-provider';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import type { RunContext } from '../../../shared/pipeline/context';
import { runAnonymize } from '../../../shared/pipeline/phases/anonymize';
import { runVerify } from '../../../shared/pipeline/phases/verify';
import { makeRunContext } from '../../support/run-context';
import pg from 'pg';
import { dropDatabases, query, serverUrl } from '../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES, demoRules, ORIGINALS } from './fixtures';

describe('anonymize and verify phases', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  const contextFor = async (rules = DEMO_RULES): Promise<{ ctx: RunContext; url: string; name: string }> => {
    const { name, url } = await createDemoDatabase('phase');
    created.push(name);
    const provider = new LocalDatabaseProvider({ productionUrl: serverUrl('some_production'), stagingUrl: serverUrl('some_staging'), keepPrevious: false });
    const base = makeRunContext(provider);
    const ctx: RunContext = { ...base, config: { ...base.config, anonymize: demoRules(rules).rules }, state: { candidate: { id: name, database: name } }, results: [] };
    return { ctx, url, name };
  };

  it('masks the candidate, reports rows per table, then verify passes', async () => {
    const { ctx, url } = await contextFor();

    const masked = await runAnonymize(ctx);
    const verified = await runVerify(ctx);

    expect(masked).toMatchObject({ status: 'passed', figures: { tables: 2, rows: 7, 'rows.public.users': 3, 'rows.public.messages': 4 } });
    expect(ctx.state.anonymize?.done).toHaveLength(2);
    expect(verified).toMatchObject({ status: 'passed', figures: { findings: 0, tablesScanned: 4 } });
    const text = await allText(url);
    for (const email of ORIGINALS.emails) expect(text).not.toContain(email);
  });

  it('fails with every unclassified column named and the candidate unchanged', async () => {
    const { ctx, url } = await contextFor();
    await query(url, 'ALTER TABLE users ADD COLUMN nickname text');
    const before = await allText(url);

    const result = await runAnonymize(ctx);

    expect(result.status).toBe('failed');
    expect(result).toMatchObject({ details: { unclassified: ['public.users.nickname'] } });
    expect(result.summary).toContain('public.users.nickname');
    expect(await allText(url)).toBe(before);
  });

  it('fails on a batch that cannot commit, saying which batches stay masked and that the run stops before promote', async () => {
    // Prepare: users masked in batches of 2, and user 3's row locked by another session past the database's lock timeout.
    const { ctx, url, name } = await contextFor(`batchRows: 2\n${DEMO_RULES}`);
    await query(url, `ANALYZE; ALTER DATABASE "${name}" SET lock_timeout = '300ms'`);
    const holder = new pg.Client(url);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM users WHERE id = 3 FOR UPDATE');

      // Act
      const result = await runAnonymize(ctx);

      // Assess
      expect(result).toMatchObject({ status: 'failed', figures: { failedTable: 'public.users', batchesCommitted: 1, rowsCommitted: 2 }, details: { table: 'public.users', batches: { key: 'id', batches: 1, rows: 2, through: '2' } } });
      expect(result.summary).toBe('masking public.users failed: canceling statement due to lock timeout (SQLSTATE 55P03); public.users is masked in batches by id, each its own transaction: '
        + 'the batch that failed was rolled back, but the batch committed before it (2 rows, id up to 2) stays masked, so public.users is partly masked, and the tables masked before it stay masked; the run stops before promote');
    } finally {
      await holder.end();
    }
  });

  it('fails verify on a finding, naming where without the value', async () => {
    const { ctx, url } = await contextFor();
    await runAnonymize(ctx);
    await query(url, 'UPDATE orders SET order_number = $1 WHERE id = 2', [ORIGINALS.emails[2]]);

    const result = await runVerify(ctx);

    expect(result.status).toBe('failed');
    const findings = (result as { details: { findings: { table: string; column: string; key: string; kind: string }[] } }).details.findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding).toEqual({ table: 'public.orders', column: 'order_number', key: 'id=2', kind: expect.stringMatching(/^original value of public\.(users\.email|messages\.body)$/) });
    }
    expect(JSON.stringify(result)).not.toContain(ORIGINALS.emails[2]);
  });

  it('never connects to production: the provider refuses it', async () => {
    const { ctx } = await contextFor();
    const production = new LocalDatabaseProvider({ productionUrl: serverUrl('prod_x'), stagingUrl: serverUrl('stg_x'), keepPrevious: false });

    await expect(runAnonymize({ ...ctx, providers: { database: production }, state: { candidate: { id: 'prod_x', database: 'prod_x' } } })).rejects.toThrow(ProductionWriteBlockedError);
  });
});
