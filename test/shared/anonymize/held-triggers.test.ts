import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { query } from '../../support/postgres';
import { allText, DEMO_RULES, demoDatabasesOfFile, demoRules, KEY } from './fixtures';

/**
 * An audit log the way applications keep one: a trigger copying each old email, one that fires even
 * in replica sessions, a rule doing the same, and a disabled and a replica-only trigger that would
 * abort any UPDATE. A view on the email keeps the table from being rewritten, so it is masked by UPDATE.
 */
const AUDITED_USERS = `CREATE VIEW user_contacts AS SELECT id, email FROM users;
  CREATE TABLE email_log (email text, changed_at timestamptz NOT NULL DEFAULT now());
  CREATE FUNCTION log_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO email_log (email) VALUES (OLD.email); RETURN NEW; END $$;
  CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by trigger'; END $$;
  CREATE TRIGGER users_logged AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION log_email();
  CREATE TRIGGER users_logged_always AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION log_email();
  ALTER TABLE users ENABLE ALWAYS TRIGGER users_logged_always;
  CREATE TRIGGER users_disabled BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION refuse();
  ALTER TABLE users DISABLE TRIGGER users_disabled;
  CREATE TRIGGER users_replica BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION refuse();
  ALTER TABLE users ENABLE REPLICA TRIGGER users_replica;
  CREATE RULE users_logged_by_rule AS ON UPDATE TO users DO ALSO INSERT INTO email_log (email) VALUES (OLD.email);`;

const AUDITED_RULES = `${DEMO_RULES}\n  public.email_log:\n    columns: { email: email, changed_at: keep }\n`;

/** Every trigger and non-view rule of the database, with its enabled state. */
const firingStates = (url: string) => query(url, `
  SELECT tgrelid::regclass::text AS rel, tgname AS name, tgenabled AS enabled FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT ev_class::regclass::text, rulename, ev_enabled FROM pg_rewrite WHERE ev_type <> '1' ORDER BY 1, 2`);

describe('triggers and rules while a table is masked by UPDATE', () => {
  const { demo, masker: maskerOn } = demoDatabasesOfFile('held');

  it('holds the table\'s triggers and rules, so none fires, and restores each as it was', async () => {
    const { url } = await demo();
    await query(url, AUDITED_USERS);
    const before = await firingStates(url);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(AUDITED_RULES), key: KEY });

    expect(result.progress.tables.find((figure) => figure.table === 'public.users')?.mode).toBe('update');
    expect(await query(url, 'SELECT count(*)::int AS n FROM email_log')).toEqual([{ n: 0 }]);
    expect(await firingStates(url)).toEqual(before);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(AUDITED_RULES), key: KEY })).findings).toEqual([]);
    // They fire again afterwards: two triggers and the rule log one old email each.
    await query(url, 'UPDATE users SET locale = locale WHERE id = 1');
    expect(await query(url, 'SELECT count(*)::int AS n FROM email_log')).toEqual([{ n: 3 }]);
  });

  it('holds them in every batch of a table masked in key-range batches', async () => {
    const { url } = await demo();
    await query(url, AUDITED_USERS);
    await query(url, 'ANALYZE users');
    const before = await firingStates(url);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`batchRows: 1\n${AUDITED_RULES}`), key: KEY });

    expect(result.progress.tables.find((figure) => figure.table === 'public.users')?.mode).toBe('batched');
    expect(await query(url, 'SELECT count(*)::int AS n FROM email_log')).toEqual([{ n: 0 }]);
    expect(await firingStates(url)).toEqual(before);
  });

  it('holds the triggers of a partitioned table\'s partitions, whether cloned from the parent or their own', async () => {
    const { url } = await demo();
    await query(url, `CREATE TABLE contacts (id bigint NOT NULL, email text NOT NULL, region text NOT NULL) PARTITION BY LIST (region);
      CREATE TABLE contacts_eu PARTITION OF contacts FOR VALUES IN ('eu');
      CREATE TABLE contacts_us PARTITION OF contacts FOR VALUES IN ('us');
      CREATE TABLE email_log (email text, changed_at timestamptz NOT NULL DEFAULT now());
      CREATE FUNCTION log_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO email_log (email) VALUES (OLD.email); RETURN NEW; END $$;
      CREATE TRIGGER contacts_logged AFTER UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION log_email();
      CREATE TRIGGER contacts_us_logged AFTER UPDATE ON contacts_us FOR EACH ROW EXECUTE FUNCTION log_email();
      INSERT INTO contacts VALUES (1, 'dora@example-shop.eu', 'eu'), (2, 'eli@example-shop.us', 'us')`);
    const before = await firingStates(url);
    const rules = `${AUDITED_RULES}  public.contacts:\n    columns: { id: keep, email: email, region: keep }\n`;

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });

    expect(result.progress.tables.find((figure) => figure.table === 'public.contacts')?.mode).toBe('update');
    expect(await query(url, 'SELECT count(*)::int AS n FROM email_log')).toEqual([{ n: 0 }]);
    expect(await firingStates(url)).toEqual(before);
    expect((await query<{ email: string }>(url, 'SELECT email FROM contacts')).every(({ email }) => /@example\.(com|org|net)$/.test(email))).toBe(true);
  });

  it('refuses, before changing anything, a table whose triggers the role cannot hold, not owning it', async () => {
    const db = await demo();
    const { url } = db;
    await query(url, AUDITED_USERS);
    const masker = await maskerOn(db);
    const before = await allText(url);

    const error = await anonymizeDatabase({ connection: { connectionString: masker.url }, source: demoRules(AUDITED_RULES), key: KEY }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const object of ['trigger users_logged on public.users', 'trigger users_logged_always on public.users', 'rule users_logged_by_rule on public.users']) {
      expect(message).toContain(`public.users: ${object} would fire for every row masked by UPDATE, and only the owner of public.users can hold it during the masking`);
    }
    expect(message).not.toContain('users_disabled');
    expect(message).not.toContain('users_replica');
    expect(await allText(url)).toBe(before);
    expect(await withClient({ connectionString: url }, maskSchemaExists)).toBe(false);
  });
});
