import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { query } from '../../support/postgres';
import { allText, demoDatabasesOfFile, demoRules, KEY, ORIGINALS } from './fixtures';

/** Every row of a materialized view, as text. */
const rowsOf = async (url: string, view: string): Promise<string> =>
  (await query<{ t: string | null }>(url, `SELECT string_agg(v::text, ' ') AS t FROM ${view} v`))[0]?.t ?? '';

describe('materialized views', () => {
  const { demo, masker: maskerOn } = demoDatabasesOfFile('matview');

  it('refreshes each populated one from the masked tables, one another reads first, and leaves an unpopulated one unpopulated', async () => {
    const { url } = await demo();
    // a_digest sorts first but reads user_contacts through a plain view: it must be refreshed after it.
    await query(url, `CREATE MATERIALIZED VIEW user_contacts AS SELECT id, email, full_name FROM users;
      CREATE VIEW contact_list AS SELECT email FROM user_contacts;
      CREATE MATERIALIZED VIEW a_digest AS SELECT string_agg(email, ',' ORDER BY email) AS emails FROM contact_list;
      CREATE MATERIALIZED VIEW later_contacts AS SELECT email FROM users WITH NO DATA`);
    expect(await rowsOf(url, 'a_digest')).toContain(ORIGINALS.emails[0]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(await query(url, 'SELECT id, email, full_name FROM user_contacts ORDER BY id')).toEqual(await query(url, 'SELECT id, email, full_name FROM users ORDER BY id'));
    expect(await query(url, 'SELECT emails FROM a_digest')).toEqual(await query(url, `SELECT string_agg(email, ',' ORDER BY email) AS emails FROM users`));
    const text = `${await rowsOf(url, 'user_contacts')} ${await rowsOf(url, 'a_digest')}`.toLowerCase();
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names]) expect(text).not.toContain(value.toLowerCase());
    expect(await query(url, `SELECT relispopulated FROM pg_class WHERE relname = 'later_contacts'`)).toEqual([{ relispopulated: false }]);
    // Analysed after the refresh: its statistics hold fakes, not production's values.
    expect(await query(url, `SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'user_contacts'`)).toEqual([{ n: 3 }]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY })).findings).toEqual([]);
  });

  it('fails verify on an original a materialized view still holds after its refresh', async () => {
    const { url } = await demo();
    // Its own query quotes a customer's address, so a refresh cannot remove it.
    await query(url, `CREATE MATERIALIZED VIEW vip_contacts AS SELECT '${ORIGINALS.emails[1]}'::text AS email`);

    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
    const result = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    // Found twice: in the view's rows, and in its definition, which quotes it.
    expect([...result.findings].sort((a, b) => a.table.localeCompare(b.table))).toEqual([
      { table: 'pg_views', column: 'definition', key: 'materialized view vip_contacts', kind: 'original value of public.users.email' },
      { table: 'public.vip_contacts', column: 'email', key: 'ctid=(0,1)', kind: 'original value of public.users.email' },
    ]);
  });

  it('refuses, before changing anything, a populated materialized view the role cannot refresh, not owning it', async () => {
    const db = await demo();
    await query(db.url, 'CREATE MATERIALIZED VIEW user_contacts AS SELECT id, email FROM users');
    const masker = await maskerOn(db);
    const before = await allText(db.url);

    const error = await anonymizeDatabase({ connection: { connectionString: masker.url }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('public.user_contacts: this materialized view still holds the rows production gave it, and only its owner can refresh it from the masked tables');
    expect(await allText(db.url)).toBe(before);
    expect(await rowsOf(db.url, 'user_contacts')).toContain(ORIGINALS.emails[0]);
    expect(await withClient({ connectionString: db.url }, maskSchemaExists)).toBe(false);
  });
});
