import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { dropDatabases, query } from '../../support/postgres';
import { createDemoDatabase, DEMO_RULES, demoRules, KEY } from './fixtures';

/** The values the planner's statistics quote for a table: most common values and histogram bounds, as text. */
const quotedByStatistics = async (url: string, table: string): Promise<string> =>
  (await query<{ t: string | null }>(url, `SELECT string_agg(coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, ''), ' ') AS t FROM pg_stats WHERE tablename = $1`, [table]))[0]?.t ?? '';

const extendedStatistics = async (url: string, table: string): Promise<number> =>
  (await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM pg_statistic_ext x JOIN pg_statistic_ext_data d ON d.stxoid = x.oid WHERE x.stxrelid = $1::regclass`, [table]))[0]?.n ?? -1;

describe('statistics of tables left empty', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('clears the statistics of a truncated table and of one already empty, and of their expression indexes, which ANALYZE would leave quoting production', async () => {
    const db = await createDemoDatabase('stats');
    created.push(db.name);
    const { url } = db;
    // sessions is truncated; login_events lost its rows in production after its last ANALYZE, and a
    // view on its email column keeps that column's type from changing.
    await query(url, `CREATE TABLE sessions (token text, ip text, email varchar(80));
      CREATE STATISTICS sessions_mcv (mcv) ON ip, email FROM sessions;
      INSERT INTO sessions SELECT 'tok' || i, '198.51.100.' || (i % 3), 'visitor' || (i % 5) || '@mail.fr' FROM generate_series(1, 300) AS i;
      CREATE TABLE login_events (email text, at timestamptz);
      INSERT INTO login_events SELECT 'visitor' || (i % 5) || '@mail.fr', now() FROM generate_series(1, 300) AS i;
      CREATE VIEW login_emails AS SELECT email FROM login_events;
      CREATE INDEX login_events_lower ON login_events (lower(email));
      ANALYZE sessions; ANALYZE login_events; DELETE FROM login_events;`);
    expect(await quotedByStatistics(url, 'sessions')).toContain('visitor1@mail.fr');
    expect(await quotedByStatistics(url, 'login_events')).toContain('visitor1@mail.fr');
    // An expression index has statistics of its own, under its name.
    expect(await quotedByStatistics(url, 'login_events_lower')).toContain('visitor1@mail.fr');
    expect(await extendedStatistics(url, 'sessions')).toBe(1);
    const rules = demoRules(`${DEMO_RULES}\n  public.sessions: truncate\n  public.login_events:\n    columns: { email: email, at: keep }\n`);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    expect(await quotedByStatistics(url, 'sessions')).toBe('');
    expect(await extendedStatistics(url, 'sessions')).toBe(0);
    expect(await query(url, `SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'sessions'::regclass`)).toEqual([{ stxname: 'sessions_mcv' }]);
    expect(await quotedByStatistics(url, 'login_events')).toBe('');
    expect(await quotedByStatistics(url, 'login_events_lower')).toBe('');
    expect(await query(url, 'SELECT count(*)::int AS n FROM login_emails')).toEqual([{ n: 0 }]);
    // Tables with rows keep the statistics their ANALYZE after masking gave them.
    expect(await quotedByStatistics(url, 'users')).toContain('en-GB');
  });
});
