import { LocalDatabaseProvider } from '../../../shared/db/local-provider';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import type { RunContext } from '../../../shared/pipeline/context';
import { runAnonymize } from '../../../shared/pipeline/phases/anonymize';
import { runVerify } from '../../../shared/pipeline/phases/verify';
import { makeRunContext } from '../../support/run-context';
import { dropDatabases, query, serverUrl } from '../../support/postgres';
import { allText, createDemoDatabase, demoRules, ORIGINALS } from './fixtures';

describe('anonymize and verify phases', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  const contextFor = async (): Promise<{ ctx: RunContext; url: string; name: string }> => {
    const { name, url } = await createDemoDatabase('phase');
    created.push(name);
    const provider = new LocalDatabaseProvider({ productionUrl: serverUrl('some_production'), stagingUrl: serverUrl('some_staging'), keepPrevious: false });
    const base = makeRunContext(provider);
    const ctx: RunContext = { ...base, config: { ...base.config, anonymize: demoRules().rules }, state: { candidate: { id: name, database: name } }, results: [] };
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
