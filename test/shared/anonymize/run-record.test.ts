import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { dryRun, formatDryRun } from '../../../shared/anonymize/dry-run';
import { CheckFailedError, ConfigError } from '../../../shared/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES, demoRules, KEY, OTHER_KEY } from './fixtures';

/** `2026-11-27T21:09:38Z`: the database's time in UTC, as the run's record keeps it. */
const UTC_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('a copy anonymized already', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase('record');
    created.push(db.name);
    return db;
  };
  afterAll(() => dropDatabases(...created));
  const anonymize = (url: string, rules = DEMO_RULES, key = KEY) => anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key });
  const verify = (url: string) => verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
  /** What the mask schema holds: its tables and how many functions. */
  const maskSchema = async (url: string) => ({
    tables: (await query<{ relname: string }>(url, "SELECT relname FROM pg_class WHERE relnamespace = 'rehearsal_mask'::regnamespace AND relkind = 'r' ORDER BY relname")).map(({ relname }) => relname),
    functions: (await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'rehearsal_mask'::regnamespace"))[0]?.n,
  });

  it('is left as it is after a passing verify when anonymized again with the same rules and key, which says when it was verified', async () => {
    // Prepare: masked, then verified (which drops the fingerprints).
    const { url } = await demo();
    await anonymize(url);
    expect((await verify(url)).findings).toEqual([]);
    const masked = await allText(url);

    // Act
    const again = await anonymize(url, `# reviewed\n${DEMO_RULES}`);

    // Assess: the fakes stay the fakes (masked again, they would join no other copy masked under this key).
    expect(again.status).toBe('done');
    expect(again.already).toEqual({ finishedAt: expect.stringMatching(UTC_TIME), verifiedAt: expect.stringMatching(UTC_TIME) });
    expect(again.progress.tables).toEqual([]);
    expect(await allText(url)).toBe(masked);
    // Only the run's record is left: its steps and the key check; no fingerprint, no helper.
    expect(await maskSchema(url)).toEqual({ tables: ['key_check', 'progress'], functions: 0 });
  });

  it('is said by a dry run to be left as it is, with no samples; a dry run under rules that mask otherwise is refused as a run is', async () => {
    const { url } = await demo();
    await anonymize(url);
    await verify(url);
    const masked = await allText(url);
    const edited = DEMO_RULES.replace('locale: keep', 'locale: { strategy: fixed, value: en }');

    const same = await dryRun({ connectionString: url }, demoRules(), KEY);
    const otherRules = await dryRun({ connectionString: url }, demoRules(edited), KEY).catch((caught: unknown) => caught);

    expect(same.already).toEqual({ finishedAt: expect.stringMatching(UTC_TIME), verifiedAt: expect.stringMatching(UTC_TIME) });
    expect(same.samples).toEqual([]);
    expect(formatDryRun(same)).toMatch(/^Plan \(dry run: nothing was changed\)\n {2}this copy was anonymized with these rules and key at \S+, and verified at \S+: a run would change nothing\n$/);
    expect(otherRules).toBeInstanceOf(ConfigError);
    expect((otherRules as Error).message).toMatch(/^this copy was anonymized at \S+ and verified at \S+ under rules that mask otherwise/);
    expect(await allText(url)).toBe(masked);
    expect(await maskSchema(url)).toEqual({ tables: ['key_check', 'progress'], functions: 0 });
  });

  it('refuses, changing nothing, to anonymize a verified copy again under rules that mask otherwise or with another key', async () => {
    const { url } = await demo();
    await anonymize(url);
    await verify(url);
    const masked = await allText(url);
    const edited = DEMO_RULES.replace('locale: keep', 'locale: { strategy: fixed, value: en }');

    const otherRules = await anonymize(url, edited).catch((caught: unknown) => caught);
    const otherKey = await anonymize(url, DEMO_RULES, OTHER_KEY).catch((caught: unknown) => caught);

    expect(otherRules).toBeInstanceOf(ConfigError);
    expect((otherRules as Error).message).toMatch(new RegExp('^this copy was anonymized at \\S+ and verified at \\S+ under rules that mask otherwise: anonymizing it again would mask its fakes, '
      + "which would then join neither production's values nor other copies masked under the first rules and key; nothing was changed. Restore a fresh copy of production and anonymize that$"));
    expect(otherKey).toBeInstanceOf(ConfigError);
    expect((otherKey as Error).message).toMatch(/^this copy was anonymized at \S+ and verified at \S+ with another masking key: anonymizing it again would mask its fakes/);
    expect(await allText(url)).toBe(masked);
  });

  it('is left as it is when anonymized again before verify, which still passes after', async () => {
    const { url } = await demo();
    await anonymize(url);
    const masked = await allText(url);

    const again = await anonymize(url);

    expect(again.already).toEqual({ finishedAt: expect.stringMatching(UTC_TIME) });
    expect(await allText(url)).toBe(masked);
    await expect(anonymize(url, DEMO_RULES, OTHER_KEY)).rejects.toThrow(/^this copy was anonymized at \S+ \(not verified yet\) with another masking key: .* Restore a fresh copy of production and anonymize that, or verify this one with the rules and key it was masked with$/);
    expect((await verify(url)).findings).toEqual([]);
  });

  it('is refused by verify while anonymize has not finished, naming the tables not masked yet, and verified once finished', async () => {
    // Prepare: a run stopped after its first table group (its time was up).
    const { url: halfUrl } = await demo();
    const half = await anonymizeDatabase({ connection: { connectionString: halfUrl }, source: demoRules(), key: KEY, budgetMs: 0 });
    expect(half.status).toBe('pending');
    const waiting = half.plan.units.filter((unit) => !half.progress.done.includes(unit.id)).map((unit) => unit.id);

    // Act
    const refused = await verifyDatabase({ connection: { connectionString: halfUrl }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    // Assess
    expect(refused).toBeInstanceOf(CheckFailedError);
    expect((refused as Error).message).toBe(`anonymize has not finished on this copy (1 of 2 table groups masked; not yet: ${waiting.join(', ')}), so it cannot be verified: `
      + 'run anonymize again with the same rules and key to finish it, then verify');
    await anonymize(halfUrl);
    expect((await verifyDatabase({ connection: { connectionString: halfUrl }, source: demoRules(), key: KEY })).findings).toEqual([]);
  });

  it('says when a copy passed verify if it is verified again, there being no fingerprints left', async () => {
    const { url } = await demo();
    await anonymize(url);
    await verify(url);

    const again = await verify(url).catch((caught: unknown) => caught);

    expect(again).toBeInstanceOf(CheckFailedError);
    expect((again as Error).message).toMatch(/^this copy passed verify at \S+Z \(anonymized at \S+Z\), which dropped the fingerprints verify searches for: nothing is left to verify it against again\. To verify again, anonymize a fresh copy of production$/);
  });
});
