import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { dropDatabases, query } from '../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES, demoRules, KEY, ORIGINALS } from './fixtures';

const fileNode = async (url: string, table: string): Promise<string> =>
  (await query<{ node: string }>(url, `SELECT pg_relation_filenode('${table}')::text AS node`))[0]?.node ?? '';

describe('rewrite mode', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase('rewrite');
    created.push(db.name);
    return db;
  };
  afterAll(() => dropDatabases(...created));

  it('rewrites each masked table in one pass by default, keeping collations, views and triggers as they were', async () => {
    const { url } = await demo();
    await query(url, `ALTER TABLE users ALTER COLUMN full_name TYPE text COLLATE "C";
      CREATE VIEW user_locales AS SELECT id, locale FROM users;
      CREATE TABLE user_changes (changed_at timestamptz NOT NULL DEFAULT now());
      CREATE FUNCTION note_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO user_changes DEFAULT VALUES; RETURN NEW; END $$;
      CREATE TRIGGER users_changed AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION note_change();`);
    const before = { users: await fileNode(url, 'users'), orders: await fileNode(url, 'orders') };
    const rules = demoRules(`${DEMO_RULES}\n  public.user_changes:\n    columns: { changed_at: keep }\n`);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'rewrite'], ['public.users', 'rewrite']]);
    expect(await fileNode(url, 'users')).not.toBe(before.users);
    expect(await fileNode(url, 'orders')).toBe(before.orders);
    const text = await allText(url);
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names, ...ORIGINALS.phones]) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(await query(url, `SELECT collation_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'full_name'`)).toEqual([{ collation_name: 'C' }]);
    expect(await query(url, 'SELECT id, locale FROM user_locales ORDER BY id')).toEqual([{ id: '1', locale: 'en-GB' }, { id: '2', locale: 'en-GB' }, { id: '3', locale: 'fr-FR' }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM user_changes')).toEqual([{ n: 0 }]);
  });

  it('updates a table whose masked column a view reads, and rewrites the others', async () => {
    const { url } = await demo();
    await query(url, 'CREATE VIEW user_contacts AS SELECT id, email FROM users');
    const before = await fileNode(url, 'users');

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'rewrite'], ['public.users', 'update']]);
    expect(await fileNode(url, 'users')).toBe(before);
    const contacts = await query<{ email: string }>(url, 'SELECT email FROM user_contacts ORDER BY id');
    for (const { email } of contacts) expect(email).toMatch(/@example\.(com|org|net)$/);
  });

  it('updates a table whose masked columns a trigger (UPDATE OF, WHEN) or a publication uses, which PostgreSQL will not let a rewrite retype', async () => {
    const { url } = await demo();
    // Each blocks ALTER COLUMN … TYPE ("cannot alter type of a column used in a trigger definition"), so
    // a rewrite of these tables would fail mid-run; the publication's column list names the replica identity.
    await query(url, `CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER phone_changed BEFORE UPDATE OF phone ON users FOR EACH ROW EXECUTE FUNCTION noop();
      CREATE TRIGGER vip_changed BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.email LIKE '%@corp.io') EXECUTE FUNCTION noop();
      CREATE PUBLICATION messages_feed FOR TABLE messages (id, body)`);
    const before = await allText(url);
    const rewriteOnly = demoRules(`mode: rewrite\n${DEMO_RULES}`);

    await expect(anonymizeDatabase({ connection: { connectionString: url }, source: rewriteOnly, key: KEY })).rejects.toThrow(
      /mode: rewrite cannot mask public\.messages: a publication \(row filter or column list\) uses a masked column.*public\.users: a trigger \(UPDATE OF or WHEN\) uses a masked column/s,
    );
    expect(await allText(url)).toBe(before);
    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'update'], ['public.users', 'update']]);
    const text = await allText(url);
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names, ...ORIGINALS.phones]) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(await query(url, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'users'::regclass AND NOT tgisinternal AND tgenabled = 'O' ORDER BY tgname")).toEqual([{ tgname: 'phone_changed' }, { tgname: 'vip_changed' }]);
  });

  it('updates a table whose masked column a SQL-standard function body reads, or whose row type a column elsewhere has', async () => {
    const { url } = await demo();
    await query(url, `CREATE FUNCTION first_email() RETURNS text BEGIN ATOMIC SELECT email FROM users ORDER BY id LIMIT 1; END;
      CREATE TABLE message_archive (m messages)`);
    const rules = `${DEMO_RULES}  public.message_archive:\n    columns: { m: keep }\n`;

    await expect(anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`mode: rewrite\n${rules}`), key: KEY })).rejects.toThrow(
      /public\.messages: a column of another table or type has its row type.*public\.users: a function with a SQL-standard body uses a masked column/s,
    );
    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'update'], ['public.users', 'update']]);
    expect(await query(url, 'SELECT first_email() AS email')).toEqual([{ email: expect.stringMatching(/@example\.(com|org|net)$/) as unknown }]);
  });

  it("updates every table while an event trigger on table_rewrite would run production's rule on a rewrite", async () => {
    const { url } = await demo();
    await query(url, `CREATE FUNCTION forbid_rewrites() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no table rewrites on a live database'; END $$;
      CREATE EVENT TRIGGER no_rewrites ON table_rewrite EXECUTE FUNCTION forbid_rewrites()`);
    const before = await allText(url);

    await expect(anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`mode: rewrite\n${DEMO_RULES}`), key: KEY })).rejects.toThrow(
      /mode: rewrite cannot mask public\.messages: event trigger no_rewrites runs on every table rewrite/,
    );
    expect(await allText(url)).toBe(before);
    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode]).sort()).toEqual([['public.messages', 'update'], ['public.users', 'update']]);
    const text = await allText(url);
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names, ...ORIGINALS.phones]) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    // A replica-only or disabled one never fires in the masking session: tables are rewritten again.
    const again = await demo();
    await query(again.url, `CREATE FUNCTION forbid_rewrites() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no table rewrites'; END $$;
      CREATE EVENT TRIGGER no_rewrites ON table_rewrite EXECUTE FUNCTION forbid_rewrites(); ALTER EVENT TRIGGER no_rewrites ENABLE REPLICA`);
    const rewritten = await anonymizeDatabase({ connection: { connectionString: again.url }, source: demoRules(), key: KEY });
    expect(rewritten.progress.tables.map(({ mode }) => mode)).toEqual(['rewrite', 'rewrite']);
  });

  it('refuses mode: rewrite for a table PostgreSQL cannot rewrite, at the mode line, before changing anything', async () => {
    const { url } = await demo();
    await query(url, 'CREATE VIEW user_contacts AS SELECT id, email FROM users');
    const before = await allText(url);
    const rules = demoRules(`mode: rewrite\n${DEMO_RULES}`);

    const attempt = anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/rules\.yaml:1: mode: mode: rewrite cannot mask public\.users: a view or rule uses a masked column; use mode: auto/);
    expect(await allText(url)).toBe(before);
    expect(await withClient({ connectionString: url }, maskSchemaExists)).toBe(false);
  });

  it('masks with UPDATE everywhere under mode: update, giving the same fakes as a rewrite', async () => {
    const [rewritten, updated] = [await demo(), await demo()];

    await anonymizeDatabase({ connection: { connectionString: rewritten.url }, source: demoRules(), key: KEY });
    const result = await anonymizeDatabase({ connection: { connectionString: updated.url }, source: demoRules(`mode: update\n${DEMO_RULES}`), key: KEY });

    expect(new Set(result.progress.tables.map(({ mode }) => mode))).toEqual(new Set(['update']));
    expect(await allText(updated.url)).toBe(await allText(rewritten.url));
  });
});
