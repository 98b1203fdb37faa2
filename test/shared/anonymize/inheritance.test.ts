import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { verifyDatabase } from '../../../shared/verify/verify';
import { query } from '../../support/postgres';
import { DEMO_RULES, demoDatabasesOfFile, demoRules, KEY, ORIGINALS } from './fixtures';

/** A parent and an inheritance child (a table of its own, with its own rules), holding two users' emails. */
const PEOPLE = `CREATE TABLE people (id int PRIMARY KEY, email text);
  CREATE TABLE staff (team text) INHERITS (people);
  INSERT INTO people VALUES (1, '${ORIGINALS.emails[0]}');
  INSERT INTO staff VALUES (2, '${ORIGINALS.emails[1]}', 'ops');`;

const rulesWith = (people: string): ReturnType<typeof demoRules> =>
  demoRules(`${DEMO_RULES}\n  public.people: ${people}\n  public.staff:\n    columns: { id: keep, email: email, team: keep }\n`);

describe('inheritance', () => {
  const databases = demoDatabasesOfFile('inherit');

  it('masks a child once, by its own statement, so its values join like every other table\'s', async () => {
    const { url } = await databases.demo();
    await query(url, PEOPLE);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: rulesWith('{ columns: { id: keep, email: email } }'), key: KEY });

    expect(result.progress.tables.filter((figure) => ['public.people', 'public.staff'].includes(figure.table)).map(({ table, rows }) => [table, rows]))
      .toEqual([['public.people', 1], ['public.staff', 1]]);
    const users = await query<{ id: string; email: string }>(url, 'SELECT id, email FROM users WHERE id IN (1, 2) ORDER BY id');
    expect(await query(url, 'SELECT id, email FROM ONLY people')).toEqual([{ id: 1, email: users[0]?.email }]);
    expect(await query(url, 'SELECT id, email FROM staff')).toEqual([{ id: 2, email: users[1]?.email }]);
    // The parent's statistics over the whole tree were taken again once the child was masked.
    const treeStatistics = await query<{ quoted: string }>(url, `SELECT coalesce(histogram_bounds::text, '') || coalesce(most_common_vals::text, '') AS quoted
      FROM pg_stats WHERE tablename = 'people' AND attname = 'email' AND inherited`);
    expect(treeStatistics).toEqual([{ quoted: expect.stringContaining(users[1]?.email ?? '?') as string }]);
  });

  it('truncates a parent\'s own rows only: the child\'s are masked by its rule', async () => {
    const { url } = await databases.demo();
    await query(url, PEOPLE);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rulesWith('truncate'), key: KEY });

    expect(await query(url, 'SELECT count(*)::int AS n FROM ONLY people')).toEqual([{ n: 0 }]);
    const staff = await query<{ email: string }>(url, 'SELECT email FROM staff');
    expect(staff).toHaveLength(1);
    expect(staff[0]?.email).toMatch(/@example\.(com|org|net)$/);
  });

  it('reports an original in a child under the child only', async () => {
    const { url } = await databases.demo();
    await query(url, PEOPLE);
    const rules = rulesWith('{ columns: { id: keep, email: email } }');
    await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });
    await query(url, 'UPDATE staff SET team = $1', [ORIGINALS.emails[1]]);

    const result = await verifyDatabase({ connection: { connectionString: url }, source: rules, key: KEY, dropOnPass: false });

    // The child's own original, and the same address as a user's: nothing under the parent.
    expect(result.findings.map(({ table, column, kind }) => ({ table, column, kind })).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { table: 'public.staff', column: 'team', kind: 'original value of public.staff.email' },
      { table: 'public.staff', column: 'team', kind: 'original value of public.users.email' },
    ]);
  });
});
