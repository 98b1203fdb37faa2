import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { MaskingFailedError } from '../../../shared/anonymize/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { DEMO_RULES_YAML } from '../../../shared/demo/rules';
import { allText, createDemoDatabase, demoRules, KEY, ORIGINALS } from './fixtures';

/** Every row of the demo tables, in key order, as text: two databases masked alike give the same. */
const contents = async (url: string): Promise<unknown[]> => query(url, `SELECT 'users' AS t, string_agg(u::text, '|' ORDER BY id) AS rows FROM users u
  UNION ALL SELECT 'orders', string_agg(o::text, '|' ORDER BY id) FROM orders o
  UNION ALL SELECT 'conversations', string_agg(c::text, '|' ORDER BY id) FROM conversations c
  UNION ALL SELECT 'messages', string_agg(m::text, '|' ORDER BY id) FROM messages m`);

const constraints = async (url: string): Promise<unknown[]> => query(url, `SELECT conrelid::regclass::text AS owner, conname, pg_get_constraintdef(oid) AS definition, convalidated
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`);

const oid = async (url: string, table: string): Promise<string> => (await query<{ oid: string }>(url, `SELECT '${table}'::regclass::oid::text AS oid`))[0]?.oid ?? '';

describe('staged rewrite (fakes computed by parallel workers, the table refilled)', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase('staged');
    created.push(db.name);
    await query(db.url, 'ANALYZE');
    return db;
  };
  afterAll(() => dropDatabases(...created));

  it('gives exactly the rows an ALTER TABLE rewrite gives, keeping the table, its keys, identity, views and comments', async () => {
    const [staged, altered] = [await demo(), await demo()];
    for (const { url } of [staged, altered]) {
      await query(url, `CREATE VIEW user_contacts AS SELECT id, locale FROM users;
        COMMENT ON TABLE users IS 'customers';
        ALTER TABLE users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH 100);
        ALTER TABLE orders ADD CONSTRAINT orders_user_not_valid FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
        CREATE TABLE visits (user_id bigint REFERENCES users (id), day date NOT NULL) PARTITION BY RANGE (day);
        CREATE TABLE visits_2026 PARTITION OF visits FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO visits VALUES (1, '2026-03-01'), (3, '2026-03-02')`);
    }
    const rules = demoRules(`${DEMO_RULES_YAML}\n  public.visits:\n    columns: { user_id: keep, day: keep }\n`);
    const before = { constraints: await constraints(staged.url), users: await oid(staged.url, 'users') };

    const result = await anonymizeDatabase({ connection: { connectionString: staged.url }, source: rules, key: KEY, stageFromRows: 0 });
    await anonymizeDatabase({ connection: { connectionString: altered.url }, source: rules, key: KEY });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'staged'], ['public.users', 'staged']]);
    expect(await contents(staged.url)).toEqual(await contents(altered.url));
    expect(await constraints(staged.url)).toEqual(before.constraints);
    expect(await oid(staged.url, 'users')).toBe(before.users);
    expect(await query(staged.url, 'SELECT id, locale FROM user_contacts ORDER BY id')).toEqual([{ id: '1', locale: 'en-GB' }, { id: '2', locale: 'en-GB' }, { id: '3', locale: 'fr-FR' }]);
    expect(await query(staged.url, "SELECT obj_description('users'::regclass, 'pg_class') AS comment")).toEqual([{ comment: 'customers' }]);
    expect(await query(staged.url, "SELECT relname FROM pg_class WHERE relnamespace = 'rehearsal_mask'::regnamespace AND relname LIKE 'staged%'")).toEqual([]);
    const text = await allText(staged.url);
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names, ...ORIGINALS.phones]) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(await query(staged.url, "SELECT nextval(pg_get_serial_sequence('users', 'id'))::int AS next")).toEqual([{ next: 100 }]);
    expect(await query(staged.url, 'SELECT count(*)::int AS n FROM visits JOIN users ON users.id = visits.user_id')).toEqual([{ n: 2 }]);
    expect((await verifyDatabase({ connection: { connectionString: staged.url }, source: rules, key: KEY })).findings).toEqual([]);
  });

  it('builds again, after the refill, the indexes it can restore whole, and leaves every other index in place', async () => {
    const { url } = await demo();
    await query(url, `CREATE INDEX users_locale_recent_idx ON users (locale) INCLUDE (created_at) WITH (fillfactor = 70) WHERE phone IS NOT NULL;
      CREATE UNIQUE INDEX users_lower_email_idx ON users (lower(email));
      ALTER TABLE users ADD CONSTRAINT users_phone_key UNIQUE (phone) DEFERRABLE INITIALLY DEFERRED;
      CREATE INDEX users_commented_idx ON users (full_name); COMMENT ON INDEX users_commented_idx IS 'for support search';
      CREATE INDEX users_clustered_idx ON users (created_at); CLUSTER users USING users_clustered_idx;
      CREATE UNIQUE INDEX users_identity_idx ON users (id, locale); ALTER TABLE users REPLICA IDENTITY USING INDEX users_identity_idx;
      CREATE INDEX users_name_length_idx ON users (length(full_name)); ALTER INDEX users_name_length_idx ALTER COLUMN 1 SET STATISTICS 500;`);
    const indexes = async () => query<{ name: string; oid: string }>(url, `SELECT i.indexrelid::regclass::text AS name, i.indexrelid::text AS oid, pg_get_indexdef(i.indexrelid) AS definition,
        i.indisclustered AS clustered, i.indisreplident AS identity, obj_description(i.indexrelid, 'pg_class') AS comment,
        (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype <> 'f') AS constraint_definition
        FROM pg_index i WHERE i.indrelid = 'users'::regclass ORDER BY 1`);
    const before = await indexes();
    const oidOf = (rows: Array<{ name: string; oid: string }>) => new Map(rows.map(({ name, oid }) => [name, oid]));

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, stageFromRows: 0 });

    expect(result.progress.tables.find(({ table }) => table === 'public.users')?.mode).toBe('staged');
    const after = await indexes();
    const withoutOids = (rows: Array<{ oid: string }>) => rows.map(({ oid: _oid, ...rest }) => rest);
    expect(withoutOids(after)).toEqual(withoutOids(before));
    const [was, now] = [oidOf(before), oidOf(after)];
    const rebuilt = [...was.keys()].filter((name) => was.get(name) !== now.get(name)).sort();
    expect(rebuilt).toEqual(['users_email_key', 'users_locale_recent_idx', 'users_lower_email_idx', 'users_phone_key', 'users_pkey']);
    expect(await query(url, 'SELECT count(DISTINCT lower(email))::int AS emails, count(*)::int AS n FROM users')).toEqual([{ emails: 3, n: 3 }]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY })).findings).toEqual([]);
  });

  it('stages a table with little fake work per row only when the planner estimates it at half a million rows or more', async () => {
    const { url } = await demo();
    // The estimates a big restored table would have (pg_class.reltuples), without writing its rows.
    await query(url, `CREATE TABLE contacts (id int PRIMARY KEY, email text NOT NULL); CREATE TABLE leads (id int PRIMARY KEY, email text NOT NULL);
      INSERT INTO contacts VALUES (1, 'ann.smith@gmail.com'); INSERT INTO leads VALUES (1, 'bob.jones@corp.io');
      UPDATE pg_class SET reltuples = 600000 WHERE oid = 'contacts'::regclass; UPDATE pg_class SET reltuples = 400000 WHERE oid = 'leads'::regclass`);
    const rules = demoRules(`${DEMO_RULES_YAML}\n  public.contacts:\n    columns: { id: keep, email: email }\n  public.leads:\n    columns: { id: keep, email: email }\n`);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    const modes = Object.fromEntries(result.progress.tables.map(({ table, mode }) => [table, mode]));
    expect(modes).toMatchObject({ 'public.contacts': 'staged', 'public.leads': 'rewrite', 'public.users': 'rewrite' });
    expect(await query(url, 'SELECT c.email = l.email AS same, c.email LIKE \'%@example.%\' AS reserved FROM contacts c, leads l')).toEqual([{ same: false, reserved: true }]);
  });

  it('rewrites a table with a user trigger or a rule by ALTER TABLE instead, so neither ever fires', async () => {
    const { url } = await demo();
    await query(url, `CREATE TABLE user_changes (changed_at timestamptz NOT NULL DEFAULT now());
      CREATE FUNCTION note_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO user_changes DEFAULT VALUES; RETURN NEW; END $$;
      CREATE TRIGGER users_changed AFTER INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION note_change();
      CREATE RULE messages_logged AS ON INSERT TO messages DO ALSO INSERT INTO user_changes DEFAULT VALUES;`);
    const rules = demoRules(`${DEMO_RULES_YAML}\n  public.user_changes:\n    columns: { changed_at: keep }\n`);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY, stageFromRows: 0 });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'rewrite'], ['public.users', 'rewrite']]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM user_changes')).toEqual([{ n: 0 }]);
  });

  it('rolls the table back whole, keys included, and names the constraint when the fakes break a check', async () => {
    const { url } = await demo();
    await query(url, "ALTER TABLE users ADD CONSTRAINT users_email_domain CHECK (email NOT LIKE '%@example.%')");
    const users = async () => query(url, 'SELECT * FROM users ORDER BY id');
    const before = { rows: await users(), constraints: await constraints(url) };

    // No rows tried first (check-fit.ts would refuse before masking): the staged rewrite itself meets the constraint.
    const attempt = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, stageFromRows: 0, triedRows: 0 });

    await expect(attempt).rejects.toThrow(MaskingFailedError);
    await expect(attempt).rejects.toMatchObject({ table: 'public.users', constraint: 'users_email_domain' });
    expect(await users()).toEqual(before.rows);
    expect(await constraints(url)).toEqual(before.constraints);
  });

  it('computes the fakes of a column that repeats once per distinct value, giving every row the fake it would get on its own', async () => {
    const [staged, altered] = [await demo(), await demo()];
    const rules = demoRules(`${DEMO_RULES_YAML}\n  public.addresses:\n    columns: { id: keep, city: city, postcode: postcode, street: street, rehearsal_original_0: keep }\n`);
    for (const { url } of [staged, altered]) {
      // Four cities and NULLs, under a case-insensitive collation that counts Paris and PARIS as one value
      // (so one of them is missing from the map and gets its fake in its row); streets that hardly
      // repeat; and a column named like the map's own columns, which must not become ambiguous.
      await query(url, `CREATE COLLATION case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
        CREATE TABLE addresses (id int PRIMARY KEY, city varchar(40) COLLATE case_blind, postcode text, street text NOT NULL, rehearsal_original_0 text);
        INSERT INTO addresses SELECT i, CASE WHEN i % 50 = 0 THEN NULL WHEN i % 7 = 0 THEN 'PARIS' ELSE (ARRAY['Paris', 'Lyon', 'Nantes', 'Lille'])[1 + i % 4] END,
          'AB' || (i % 3) || ' 1CD', i || ' Rue Haute', 'kept' FROM generate_series(1, 3000) AS i;
        ANALYZE addresses`);
    }

    const result = await anonymizeDatabase({ connection: { connectionString: staged.url }, source: rules, key: KEY, stageFromRows: 0 });
    await anonymizeDatabase({ connection: { connectionString: altered.url }, source: rules, key: KEY });

    const figure = result.progress.tables.find(({ table }) => table === 'public.addresses');
    expect(figure).toMatchObject({ mode: 'staged', valueMapped: ['city', 'postcode'] });
    const rows = (url: string) => query(url, 'SELECT id, city, postcode, street, rehearsal_original_0 FROM addresses ORDER BY id');
    expect(await rows(staged.url)).toEqual(await rows(altered.url));
    expect(await query(staged.url, "SELECT count(*)::int AS n FROM addresses WHERE city IN ('Paris', 'Lyon', 'Nantes', 'Lille')")).toEqual([{ n: 0 }]);
    // Paris and PARIS keep distinct fakes, as they would without the map.
    expect(await query(staged.url, 'SELECT count(DISTINCT city::text COLLATE "C")::int AS n FROM addresses WHERE id IN (4, 7)')).toEqual([{ n: 2 }]);
    expect(await query(staged.url, 'SELECT count(*)::int AS n FROM addresses WHERE city IS NULL')).toEqual([{ n: 60 }]);
    expect(await query(staged.url, "SELECT relname FROM pg_class WHERE relnamespace = 'rehearsal_mask'::regnamespace AND relname LIKE 'value_map%'")).toEqual([]);
    // Regular expressions over a case-blind column would fail; verify reads its values under the default collation.
    expect((await verifyDatabase({ connection: { connectionString: staged.url }, source: rules, key: KEY })).findings).toEqual([]);
  });

  it('keeps a unique column unique when fakes collide, by redoing the unit from collision-free maps', async () => {
    const { url } = await demo();
    await query(url, `CREATE TABLE branches (id int PRIMARY KEY, city text NOT NULL UNIQUE, note text);
      INSERT INTO branches SELECT i, 'Town ' || i, 'Call +44 7700 9' || lpad(i::text, 5, '0') FROM generate_series(1, 300) AS i; ANALYZE branches`);
    const rules = demoRules(`${DEMO_RULES_YAML}\n  public.branches:\n    columns: { id: keep, city: city, note: scrubText }\n`);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY, stageFromRows: 0 });

    expect(result.progress.tables.find(({ table }) => table === 'public.branches')?.mode).toBe('mapped');
    expect(await query(url, 'SELECT count(DISTINCT city)::int AS cities, count(*)::int AS n FROM branches')).toEqual([{ cities: 300, n: 300 }]);
  });
});
