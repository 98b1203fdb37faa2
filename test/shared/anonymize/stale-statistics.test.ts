import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { createDemoDatabase, DEMO_RULES, demoRules, KEY, ORIGINALS } from './fixtures';

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

describe('statistics ANALYZE skips', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  const extendedData = async (url: string, name: string): Promise<string[]> =>
    (await query<{ v: string }>(url, 'SELECT most_common_vals::text AS v FROM pg_stats_ext WHERE statistics_name = $1', [name])).map((row) => row.v);

  it('clears a masked column and an expression index analysed with a target of 0 and extended statistics ANALYZE cannot rebuild, keeping the objects, so verify passes', async () => {
    const db = await createDemoDatabase('skipstats');
    created.push(db.name);
    const { url } = db;
    const [ann, bob, cara] = ORIGINALS.emails;
    // A view keeps the columns' types from changing, so the table is masked by UPDATE, which keeps statistics.
    await query(url, `CREATE TABLE contacts (id int PRIMARY KEY, email text, city text, note text);
      INSERT INTO contacts SELECT i, (ARRAY['${ann}', '${bob}', '${cara}'])[1 + i % 3], (ARRAY['Leeds', 'York'])[1 + i % 2], 'n' || i % 4 FROM generate_series(1, 300) AS i;
      CREATE VIEW contact_cities AS SELECT city, email FROM contacts;
      CREATE STATISTICS contacts_pair (mcv) ON email, note FROM contacts;
      CREATE STATISTICS contacts_kept (mcv) ON id, note FROM contacts;
      COMMENT ON STATISTICS contacts_pair IS 'planner help';
      CREATE INDEX contacts_lower_email ON contacts (lower(email));
      ANALYZE contacts;
      ALTER INDEX contacts_lower_email ALTER COLUMN 1 SET STATISTICS 0;
      ALTER TABLE contacts ALTER COLUMN city SET STATISTICS 0;
      ALTER STATISTICS contacts_pair SET STATISTICS 0;
      ALTER STATISTICS contacts_kept SET STATISTICS 0;`);
    expect(await quotedByStatistics(url, 'contacts')).toContain('Leeds');
    expect(await quotedByStatistics(url, 'contacts_lower_email')).toContain(ann);
    expect((await extendedData(url, 'contacts_pair')).join()).toContain(ann);
    const kept = await extendedData(url, 'contacts_kept');
    expect(kept).toHaveLength(1);
    const rules = demoRules(`${DEMO_RULES}\n  public.contacts:\n    columns: { id: keep, email: email, city: city, note: keep }\n`);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    const quoted = await quotedByStatistics(url, 'contacts');
    expect(quoted).not.toContain('Leeds');
    expect(quoted).not.toContain(ann);
    // The email column's statistics are the masked rows'.
    expect(quoted).toMatch(/@example\.(com|org|net)/);
    expect(await query(url, `SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'contacts' AND attname = 'city'`)).toEqual([{ n: 0 }]);
    expect(await quotedByStatistics(url, 'contacts_lower_email')).toBe('');
    expect(await extendedData(url, 'contacts_pair')).toEqual([]);
    expect(await query(url, `SELECT stxstattarget, obj_description(oid, 'pg_statistic_ext') AS comment, pg_get_statisticsobjdef(oid) AS definition FROM pg_statistic_ext WHERE stxname = 'contacts_pair'`))
      .toEqual([{ stxstattarget: 0, comment: 'planner help', definition: 'CREATE STATISTICS public.contacts_pair (mcv) ON email, note FROM contacts' }]);
    // Over kept columns only, an object keeps what it quotes: kept values.
    expect(await extendedData(url, 'contacts_kept')).toEqual(kept);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: rules, key: KEY })).findings).toEqual([]);
  });
});
