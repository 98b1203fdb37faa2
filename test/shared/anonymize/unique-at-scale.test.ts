import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { KEY } from './fixtures';

/**
 * Uniqueness where fakes alone would collide: 50,000 usernames drawn from about 2.4e8 fakes give about
 * five colliding pairs (deterministic for the test key), so the collision-free map must take over; a
 * 31-bit hash and the emails ride along. The 1M-row proof on a unique email runs in bench/anonymize.ts
 * (checks.emails_unique), since it takes more than a unit test should on two shared cores.
 */
describe('unique columns at scale', () => {
  const name = uniqueName('uniq');
  afterAll(() => dropDatabases(name));

  it('keeps 50,000 unique hashed integers, usernames and emails unique, and foreign keys joined', async () => {
    const url = await createDatabase(name);
    await query(url, `
      CREATE TABLE members (id int PRIMARY KEY, code int NOT NULL UNIQUE, handle varchar(20) NOT NULL UNIQUE, email text NOT NULL UNIQUE);
      CREATE TABLE badges (id int PRIMARY KEY, member_code int NOT NULL REFERENCES members (code));
      INSERT INTO members SELECT i, i, 'h' || i, 'm' || i || '@real.org' FROM generate_series(1, 50000) AS i;
      INSERT INTO badges SELECT i, 1 + (i * 7) % 50000 FROM generate_series(1, 20000) AS i;`);

    const result = await anonymizeDatabase({
      connection: { connectionString: url },
      source: parseRulesText(`tables:
  public.members:
    columns: { id: keep, code: hash, handle: username, email: email }
  public.badges:
    columns: { id: keep }
`, 'rules.yaml'),
      key: KEY,
    });

    const [counts] = await query(url, `SELECT count(*)::int AS n, count(DISTINCT code)::int AS codes, count(DISTINCT handle)::int AS handles,
      count(DISTINCT email)::int AS emails, count(*) FILTER (WHERE code = id)::int AS unchanged FROM members`);
    expect(counts).toEqual({ n: 50000, codes: 50000, handles: 50000, emails: 50000, unchanged: expect.any(Number) });
    expect(counts?.unchanged).toBeLessThan(10);
    expect(result.progress.tables.find((table) => table.table === 'public.members')?.mode).toBe('mapped');
    expect(await query(url, 'SELECT count(*)::int AS n FROM badges b JOIN members m ON m.code = b.member_code')).toEqual([{ n: 20000 }]);
  });
});
