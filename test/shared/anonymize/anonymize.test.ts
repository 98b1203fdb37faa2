import { anonymizeDatabase, checkedPlan } from '../../../shared/anonymize/anonymize';
import { withClient } from '../../../shared/db/client';
import { BrokenCheckError, CoverageError, MaskingFailedError, messageWithoutValue } from '../../../shared/anonymize/errors';
import { maskHelpersVersion } from '../../../shared/anonymize/mask-schema';
import { CheckFailedError, ConfigError } from '../../../shared/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { parse, stringify } from 'yaml';
import { dropDatabases, query } from '../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES, demoRules, KEY, ORIGINALS, OTHER_KEY } from './fixtures';

describe('anonymizeDatabase on the demo schema', () => {
  const created: string[] = [];
  const demo = async () => {
    const db = await createDemoDatabase();
    created.push(db.name);
    return db;
  };
  afterAll(() => dropDatabases(...created));

  it('masks every personal value, here and inside messages, and leaves the rest as it was', async () => {
    const { url } = await demo();

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.status).toBe('done');
    expect(result.progress.tables.map(({ table, rows }) => [table, rows]).sort()).toEqual([['public.messages', 4], ['public.users', 3]]);
    const text = await allText(url);
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.names, ...ORIGINALS.phones]) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(text).not.toContain('7700 900123');
    const users = await query<{ email: string; phone: string | null; locale: string }>(url, 'SELECT email, phone, locale FROM users ORDER BY id');
    expect(users.map((user) => user.locale)).toEqual(['en-GB', 'en-GB', 'fr-FR']);
    for (const user of users) expect(user.email).toMatch(/@example\.(com|org|net)$/);
    const messages = await query<{ body: string }>(url, 'SELECT body FROM messages ORDER BY id');
    expect(messages[0]?.body).toContain(users[0]?.email);
    expect(messages[0]?.body).toContain(users[0]?.phone);
    expect(messages[1]?.body).toContain(users[0]?.email);
    expect(messages[0]?.body).toContain('order ORD-100001');
    expect(await query(url, 'SELECT order_number FROM orders ORDER BY id')).toEqual([{ order_number: 'ORD-100001' }, { order_number: 'ORD-100002' }]);
  });

  it('gives the same fakes in another database under the same key, and other fakes under another key', async () => {
    const [a, b, c] = [await demo(), await demo(), await demo()];
    const connection = (url: string) => ({ connectionString: url });

    await anonymizeDatabase({ connection: connection(a.url), source: demoRules(), key: KEY });
    await anonymizeDatabase({ connection: connection(b.url), source: demoRules(), key: KEY });
    await anonymizeDatabase({ connection: connection(c.url), source: demoRules(), key: OTHER_KEY });

    const snapshot = (url: string) => query(url, 'SELECT u.email, u.full_name, u.phone, m.body FROM users u LEFT JOIN conversations c ON c.user_id = u.id LEFT JOIN messages m ON m.conversation_id = c.id ORDER BY u.id, m.id');
    expect(await snapshot(b.url)).toEqual(await snapshot(a.url));
    const other = await query<{ email: string }>(c.url, 'SELECT email FROM users ORDER BY id');
    const same = await query<{ email: string }>(a.url, 'SELECT email FROM users ORDER BY id');
    other.forEach((row, i) => expect(row.email).not.toBe(same[i]?.email));
  });

  it('stops before anything changes when a column has no rule, naming every such column', async () => {
    const { url } = await demo();
    await query(url, 'ALTER TABLE users ADD COLUMN nickname text; ALTER TABLE orders ADD COLUMN gift_note text');
    const before = await allText(url);

    const attempt = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    await expect(attempt).rejects.toThrow(CoverageError);
    await expect(anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY }))
      .rejects.toMatchObject({ unclassified: ['public.orders.gift_note', 'public.users.nickname'], exitCode: 1 });
    expect(await allText(url)).toBe(before);
    expect(await query(url, "SELECT 1 FROM pg_namespace WHERE nspname = 'rehearsal_mask'")).toEqual([]);
  });

  it('suggests a rule for each column a release added without one, which, once added, covers the database', async () => {
    // Prepare: a release adds a nickname, a free-text gift note quoting emails, and a table whose key refers to users.
    const { url } = await demo();
    await query(url, `ALTER TABLE users ADD COLUMN nickname text; ALTER TABLE orders ADD COLUMN gift_note text;
      UPDATE orders SET gift_note = 'Happy birthday! Love, ann.smith@gmail.com';
      CREATE TABLE referrals (id int PRIMARY KEY, user_id int REFERENCES users (id), referred_email text);
      INSERT INTO referrals VALUES (1, 1, 'friend.of.ann@gmail.com')`);

    // Act
    const error = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    // Assert: the suggestions say what and why, never a value; added to the rules, they cover the database exactly.
    if (!(error instanceof CoverageError)) throw error;
    expect(error.suggested?.under).toBe('tables of rules.yaml');
    expect(error.suggested?.lines.split('\n')).toEqual([
      '  public.orders:',
      '    columns:',
      '      gift_note: scrubText  # free text: 2 of 2 sampled values contain emails, phone numbers or live credentials',
      '  public.referrals:',
      '    columns:',
      '      id: keep  # primary key, no PII signal in its name',
      '      referred_email: email  # column name "referred_email"',
      '  public.users:',
      '    columns:',
      '      nickname: username  # column name "nickname"',
      '',
    ]);
    expect(error.message).toContain(`review each, then add it under its table in tables of rules.yaml; rehearsal rules suggest --rules FILE adds them to a rules file):\n${error.suggested?.lines.trimEnd()}`);
    expect(error.message).not.toContain('ann.smith@gmail.com');
    const added = parse(`tables:\n${error.suggested?.lines}`) as { tables: Record<string, { columns: Record<string, unknown> }> };
    const rules = parse(DEMO_RULES) as { tables: Record<string, { columns: Record<string, unknown> }> };
    for (const [table, { columns }] of Object.entries(added.tables)) rules.tables[table] = { columns: { ...rules.tables[table]?.columns, ...columns } };
    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(stringify(rules)), key: KEY });
    expect(result.status).toBe('done');
    expect(await query(url, 'SELECT referred_email FROM referrals')).not.toEqual([{ referred_email: 'friend.of.ann@gmail.com' }]);
  });

  it('leaves the suggested rules out when asked to, as verify does (it reports the columns as findings and reads no sample)', async () => {
    const { url } = await demo();
    await query(url, 'ALTER TABLE users ADD COLUMN nickname text');

    const error = await withClient({ connectionString: url }, (client) => checkedPlan(client, demoRules(), [], { suggest: false })).catch((caught: unknown) => caught);

    if (!(error instanceof CoverageError)) throw error;
    expect(error.unclassified).toEqual(['public.users.nickname']);
    expect(error.suggested).toBeUndefined();
    expect(error.message).not.toContain('Suggested rules');
  });

  it('refuses before anything changes when the fakes of sampled rows break a check constraint or a domain, naming each', async () => {
    const { url } = await demo();
    await query(url, `ALTER TABLE users ADD CONSTRAINT users_email_domain CHECK (email NOT LIKE '%@example.%');
      CREATE DOMAIN known_surname AS text CONSTRAINT known_surname_check CHECK (VALUE ~ ' (Smithers|Jonasson|Leeward)$');
      ALTER TABLE users ALTER COLUMN full_name TYPE known_surname`);
    const before = await allText(url);

    const attempt = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    await expect(attempt).rejects.toThrow(BrokenCheckError);
    await expect(attempt).rejects.toMatchObject({ broken: [
      expect.objectContaining({ table: 'public.users', constraint: 'known_surname_check', columns: ['full_name'] }),
      { table: 'public.users', constraint: 'users_email_domain', definition: "CHECK ((email !~~ '%@example.%'::text))", broken: 3, sampled: 3, columns: ['email'] },
    ] });
    await expect(attempt).rejects.toThrow(/give email a rule whose values meet it/);
    expect(await allText(url)).toBe(before);
    expect(await query(url, "SELECT 1 FROM pg_namespace WHERE nspname = 'rehearsal_mask'")).toEqual([]);
  });

  it('leaves out of a database error the value its message quotes, which may be an original', () => {
    expect(messageWithoutValue('invalid input syntax for type inet: "ann.smith@gmail.com"')).toBe('invalid input syntax for type inet: "…"');
    expect(messageWithoutValue('value for domain short_name violates check constraint "short_name_check"')).toBe('value for domain short_name violates check constraint "short_name_check"');
  });

  it('rolls a table back whole and names it and its constraint when a check constraint refuses the fakes of rows not tried', async () => {
    const { url } = await demo();
    await query(url, "ALTER TABLE users ADD CONSTRAINT users_email_domain CHECK (email NOT LIKE '%@example.%')");
    const before = await query(url, 'SELECT * FROM users ORDER BY id');

    const attempt = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, triedRows: 0 });

    await expect(attempt).rejects.toThrow(MaskingFailedError);
    await expect(anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, triedRows: 0 }))
      .rejects.toMatchObject({ table: 'public.users', constraint: 'users_email_domain' });
    expect(await query(url, 'SELECT * FROM users ORDER BY id')).toEqual(before);
  });

  it('stops after its time budget and resumes where it stopped, even without the caller\'s state, with the same result as one call', async () => {
    const [split, whole] = [await demo(), await demo()];

    const first = await anonymizeDatabase({ connection: { connectionString: split.url }, source: demoRules(), key: KEY, budgetMs: 0 });
    await expect(anonymizeDatabase({ connection: { connectionString: split.url }, source: demoRules(), key: OTHER_KEY })).rejects.toThrow(/started with another key/);
    // No progress passed: the database itself records which table groups committed, so none is masked twice.
    const second = await anonymizeDatabase({ connection: { connectionString: split.url }, source: demoRules(), key: KEY, budgetMs: 0 });
    await anonymizeDatabase({ connection: { connectionString: whole.url }, source: demoRules(), key: KEY });

    expect(first.status).toBe('pending');
    expect(first.progress.done).toHaveLength(1);
    expect(second.status).toBe('done');
    expect(second.progress.done).toHaveLength(2);
    expect(await allText(split.url)).toBe(await allText(whole.url));
    // Finished, the run is the copy's record: another key would mask its fakes again.
    await expect(anonymizeDatabase({ connection: { connectionString: split.url }, source: demoRules(), key: OTHER_KEY })).rejects.toThrow(/^this copy was anonymized at \S+ \(not verified yet\) with another masking key/);
  });

  it('counts, resumed without the caller\'s state (a Lambda retried after a lost connection), the tables and fingerprints earlier calls committed, and again once finished', async () => {
    const { url } = await demo();
    const first = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, budgetMs: 0 });

    const second = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
    const again = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(first.progress.tables).toHaveLength(1);
    expect(first.progress.fingerprints).toBeGreaterThan(0);
    const planned = second.plan.units.flatMap((unit) => unit.tables.map((table) => table.table.qualified));
    expect(second.progress.tables.map((figure) => figure.table)).toEqual(planned);
    expect(second.progress.tables).toEqual(expect.arrayContaining(first.progress.tables));
    expect(second.progress).toMatchObject({ fingerprints: first.progress.fingerprints, prepareMs: first.progress.prepareMs });
    expect(again.already).toBeDefined();
    expect(again.progress).toMatchObject({ tables: second.progress.tables, fingerprints: first.progress.fingerprints });
  });

  it('analyses again on resume a table whose unit committed but whose ANALYZE was lost with the connection', async () => {
    const { url } = await demo();
    const first = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, budgetMs: 0 });
    expect(first.progress.done).toHaveLength(1);
    // As a connection lost between the unit's commit and its ANALYZE leaves it: committed, not analysed.
    const [unit] = first.progress.done;
    await query(url, 'DELETE FROM rehearsal_mask.progress WHERE step = $1', [`analyzed:${unit}`]);
    const tables = first.plan.units.find((candidate) => candidate.id === unit)?.tables.map((table) => table.table.name) ?? [];
    const analyses = async () => (await query<{ n: number }>(url, 'SELECT coalesce(sum(analyze_count), 0)::int AS n FROM pg_stat_user_tables WHERE relname = ANY ($1)', [tables]))[0]?.n;
    const before = await analyses();

    const second = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(second.status).toBe('done');
    expect(await analyses()).toBe((before ?? 0) + tables.length);
    expect(await query(url, 'SELECT step FROM rehearsal_mask.progress WHERE step = $1', [`analyzed:${unit}`])).toEqual([{ step: `analyzed:${unit}` }]);
  });

  it('refuses to resume masking, or to verify, with helpers another version of rehearsal installed, naming both versions', async () => {
    const { url } = await demo();
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, budgetMs: 0 });
    // As a release deployed between two calls of one run would find it: the schema records the helpers it was built with.
    await query(url, "UPDATE rehearsal_mask.progress SET step = 'helpers 0123abcd4567' WHERE step LIKE 'helpers %'");
    const before = await allText(url);

    const resumed = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    await expect(resumed).rejects.toThrow(ConfigError);
    await expect(resumed).rejects.toThrow(`helpers 0123abcd4567, this version's ${maskHelpersVersion()}`);
    expect(await allText(url)).toBe(before);
    await expect(verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY })).rejects.toThrow(CheckFailedError);
  });

  it('refuses to resume masking, or to verify, under rules that mask otherwise than those the run started with, and goes on under the same rules reworded', async () => {
    const { url } = await demo();
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, budgetMs: 0 });
    const edited = DEMO_RULES.replace('locale: keep', 'locale: { strategy: fixed, value: en }');
    expect(edited).not.toBe(DEMO_RULES);
    const before = await allText(url);

    // The fingerprints were taken, and a table masked, for the first rules: the new ones would leave locale unfingerprinted.
    const resumed = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(edited), key: KEY });

    await expect(resumed).rejects.toThrow(ConfigError);
    await expect(resumed).rejects.toThrow('this database holds a masking run started with other rules');
    expect(await allText(url)).toBe(before);
    const reworded = anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(`# reviewed\n${DEMO_RULES}`), key: KEY });
    await expect(reworded).resolves.toMatchObject({ status: 'done' });
    await expect(verifyDatabase({ connection: { connectionString: url }, source: demoRules(edited), key: KEY })).rejects.toThrow(ConfigError);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY })).findings).toEqual([]);
  });

  it('truncates tables the rules say to truncate', async () => {
    const { url } = await demo();
    const rules = DEMO_RULES.replace(/ {2}public\.messages:\n( {4}.*\n| {6}.*\n)*/, '  public.messages: truncate\n');

    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });

    expect(await query(url, 'SELECT count(*)::int AS n FROM messages')).toEqual([{ n: 0 }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 3 }]);
  });
});
