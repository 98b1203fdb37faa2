import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { main } from '../../../../bin/cli/main';
import { rulesSchema } from '../../../../shared/anonymize/rules-schema';
import { captureIO } from '../../../support/cli';
import { createDatabase, dropDatabases, query, uniqueName } from '../../../support/postgres';
import { allText, createDemoDatabase, DEMO_RULES } from '../../../shared/anonymize/fixtures';

function captured(cwd: string) {
  const capturedIO = captureIO(cwd);
  return { io: capturedIO.io, out: capturedIO.stdout, err: capturedIO.stderr };
}

describe('rehearsal rules', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const demo = async () => {
    const db = await createDemoDatabase('rules');
    created.push(db.name);
    await query(db.url, `CREATE TYPE contact_card AS (name text, email text);
      CREATE TABLE profiles (id int PRIMARY KEY, user_id bigint REFERENCES users (id), prefs jsonb, about text, contact_email text,
        avatar oid, consent_form oid NOT NULL DEFAULT 0, search tsvector, card contact_card, upload bytea, receipt bytea NOT NULL DEFAULT '\\x00',
        FOREIGN KEY (contact_email) REFERENCES users (email));
      INSERT INTO profiles VALUES
        (1, 1, '{"contact": {"email": "ann.smith@gmail.com", "phone": "+44 7700 900123"}, "theme": "dark", "answers": [{"value": "call 07700 900456 anytime"}]}', 'Ask me at ann.smith@gmail.com', 'ann.smith@gmail.com',
         NULL, DEFAULT, NULL, ROW('Ann', 'ann.smith@gmail.com'), convert_to('{"to": "ann.smith@gmail.com"}', 'UTF8'), '\\x0001' || convert_to('paid by +44 7700 900123', 'UTF8')),
        (2, 2, '{"theme": "light"}', 'Loves tea', 'bob.jones@corp.io', NULL, DEFAULT, NULL, NULL, '\\x00ff', DEFAULT)`);
    return db;
  };

  it('suggests a complete rules file with a reason per column, catching PII in JSON keys and free text', async () => {
    const { url } = await demo();
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const run = captured(dir);
    const before = await allText(url);

    const code = await main(['rules', 'suggest', '--database-url', url, '--sample', '50'], run.io);

    expect(code).toBe(0);
    const rules = rulesSchema.parse(parse(run.out()));
    const users = rules.tables['public.users'];
    const profiles = rules.tables['public.profiles'];
    expect(users).toEqual({ columns: { id: { strategy: 'keep' }, email: { strategy: 'email' }, full_name: { strategy: 'fullName' }, phone: { strategy: 'phone' }, locale: { strategy: 'keep' }, created_at: { strategy: 'keep' } } });
    expect(rules.tables['public.messages']).toMatchObject({ columns: { body: { strategy: 'scrubText' }, sender: { strategy: 'keep' } } });
    expect(profiles).toMatchObject({ columns: {
      prefs: { strategy: 'json', paths: { '$.contact.email': { strategy: 'email' }, '$.contact.phone': { strategy: 'phone' }, '$.answers[*].value': { strategy: 'scrubText' } } },
      about: { strategy: 'scrubText' },
      contact_email: { strategy: 'email' },
      user_id: { strategy: 'keep' },
      avatar: { strategy: 'null' },
      consent_form: { strategy: 'keep' },
      search: { strategy: 'null' },
      card: { strategy: 'null' },
      upload: { strategy: 'null' },
      receipt: { strategy: 'fixed', value: '' },
    } });
    expect(run.out()).toMatch(/email: email {2}# column name "email"/);
    expect(run.out()).toMatch(/contact_email: email {2}# foreign key to public\.users\.email: follows its rule/);
    expect(run.out()).toMatch(/locale: keep {2}# no PII signal in name or 3 sampled values/);
    expect(run.out()).toContain('avatar: "null"  # refers to large objects (files outside the table, often personal); null has anonymize unlink them, keep would keep their contents unmasked (verify fails on an original or PII in them)');
    expect(run.out()).toContain(`search: "null"  # lexemes of the text it was made from, production's (names, words of addresses): no trigger refreshes it while masking; rebuild it in staging`);
    expect(run.out()).toContain('card: "null"  # the text of 1 of 1 sampled values holds emails, phone numbers or live credentials, and no strategy masks part of a contact_card');
    expect(run.out()).toContain('receipt: { strategy: fixed, value: "" }  # the text of 1 of 2 sampled values holds emails, phone numbers or live credentials, and no strategy masks part of a bytea; NOT NULL, so an empty value: review');
    expect(run.out()).toContain('consent_form: keep  # refers to large objects (files outside the table, often personal); NOT NULL, so kept, and their contents stay unmasked (verify fails on an original or PII in them): review');
    expect(await allText(url)).toBe(before);

    await writeFile(path.join(dir, 'suggested.yaml'), run.out());
    const check = captured(dir);
    expect(await main(['rules', 'check', '--database-url', url, '--rules', 'suggested.yaml'], check.io)).toBe(0);
    expect(check.out()).toContain('the rules cover all');
  });

  it('suggests rules for people named by their role, addresses in inet, phones kept as numbers, identity numbers and a NOT NULL tsvector, under which nothing survives', async () => {
    const name = uniqueName('rolesuggest');
    created.push(name);
    const url = await createDatabase(name);
    await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:copy';
      CREATE TABLE users (id int PRIMARY KEY, full_name text NOT NULL, phone text, profile jsonb, msisdn numeric(15), last_peer inet, cpf text,
        search tsvector NOT NULL DEFAULT '');
      CREATE TABLE bookings (id int PRIMARY KEY, guest_name text, name_on_card text, "ProfileName" text, sender text, nombre text);
      CREATE TABLE chat (id int PRIMARY KEY, sender text, body text);
      INSERT INTO users VALUES (1, 'Oliver Brennan', '+44 7700 912345', '{"contact": {"phone": 447700912345}}', 447700912345, '81.2.69.162', '123.456.789-09',
        to_tsvector('simple', 'Oliver Brennan')), (2, 'Marta Kowalczyk', '+48 601 234 567', '{"contact": {"phone": 48601234567}}', 48601234567, '2a02:a311:1::5', '987.654.321-00', DEFAULT);
      INSERT INTO bookings VALUES (1, 'Oliver Brennan', 'OLIVER BRENNAN', 'Olly', 'Marta Kowalczyk', 'Lucía'), (2, 'Marta Kowalczyk', 'M KOWALCZYK', 'Marta', 'Oliver Brennan', 'Diego');
      INSERT INTO chat VALUES (1, 'user', 'hi'), (2, 'bot', 'hello, how can I help?')`);
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const run = captured(dir);

    expect(await main(['rules', 'suggest', '--database-url', url], run.io)).toBe(0);

    const rules = rulesSchema.parse(parse(run.out()));
    expect(rules.tables['public.users']).toMatchObject({ columns: {
      profile: { strategy: 'json', paths: { '$.contact.phone': { strategy: 'phone' } } }, msisdn: { strategy: 'phone' }, last_peer: { strategy: 'ipAddress' },
      cpf: { strategy: 'redact' }, search: { strategy: 'fixed', value: '' },
    } });
    expect(rules.tables['public.bookings']).toMatchObject({ columns: {
      guest_name: { strategy: 'fullName' }, name_on_card: { strategy: 'fullName' }, ProfileName: { strategy: 'fullName' }, sender: { strategy: 'fullName' }, nombre: { strategy: 'firstName' },
    } });
    expect(rules.tables['public.chat']).toMatchObject({ columns: { sender: { strategy: 'keep' } } });
    expect(run.out()).toContain('sender: fullName  # column name "sender" is a person\'s role, and 2 of 2 sampled values are written like people\'s names');
    expect(run.out()).toContain('last_peer: ipAddress  # an IP address (inet), whatever its name');

    await writeFile(path.join(dir, 'suggested.yaml'), run.out());
    const env = { REHEARSAL_MASKING_KEY: 'cli-test-masking-key-0123456789' };
    expect(await main(['anonymize', '--database-url', url, '--rules', 'suggested.yaml'], captureIO(dir, env).io)).toBe(0);
    expect(await main(['verify', '--database-url', url, '--rules', 'suggested.yaml'], captureIO(dir, env).io)).toBe(0);
    const text = (await query<{ t: string }>(url, `SELECT concat_ws(' ', u::text, b::text) AS t FROM users u JOIN bookings b USING (id)`)).map((row) => row.t).join('\n');
    for (const original of ['Brennan', 'BRENNAN', 'Kowalczyk', 'KOWALCZYK', '447700912345', '48601234567', '81.2.69.162', '2a02:a311', '123.456.789', 'Lucía']) {
      expect(text).not.toContain(original);
    }
    expect((await query<{ phone: unknown }>(url, `SELECT profile #> '{contact,phone}' AS phone FROM users WHERE id = 1`))[0]?.phone).toEqual(expect.any(Number));
  });

  it('suggests scrubText for what people write though the sample quotes no PII, reads names with spaces, and quotes a column named null', async () => {
    const db = await createDemoDatabase('rulestext');
    created.push(db.name);
    await query(db.url, `CREATE TABLE chat_turns (id int PRIMARY KEY, text text, status text, "First Name" text, "null" text);
      INSERT INTO chat_turns VALUES (1, 'Can you help me with my order please', 'open', 'Ann', 'x'),
        (2, 'I would like to change the delivery day', 'closed', 'Bob', 'y'), (3, 'thanks', 'open', 'Cy', NULL)`);
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const run = captured(dir);

    expect(await main(['rules', 'suggest', '--database-url', db.url], run.io)).toBe(0);

    expect(rulesSchema.parse(parse(run.out())).tables['public.chat_turns']).toEqual({ columns: {
      id: { strategy: 'keep' }, text: { strategy: 'scrubText' }, status: { strategy: 'keep' }, 'First Name': { strategy: 'firstName' }, null: { strategy: 'keep' },
    } });
    expect(run.out()).toContain('text: scrubText  # free text people write (column name "text", 2 of 3 sampled values are sentences): the sample quotes no email or number, but such text quotes names and addresses');
    expect(run.out()).toContain('"null": keep  #');
    await writeFile(path.join(dir, 'suggested.yaml'), run.out());
    expect(await main(['rules', 'check', '--database-url', db.url, '--rules', 'suggested.yaml'], captured(dir).io)).toBe(0);
  });

  it('suggests rules for a schema written in Spanish from its column names, and scrubText for its notes, whose sample quotes no email or number', async () => {
    const db = await createDemoDatabase('rulesspanish');
    created.push(db.name);
    await query(db.url, `CREATE TABLE clientes (id int PRIMARY KEY, nombre text, apellidos text, correo text, telefono text, direccion text, ciudad text,
        codigo_postal text, fecha_nacimiento date, lugar_nacimiento text, notas text, capacidad text);
      INSERT INTO clientes SELECT i, 'Lucía', 'García López', NULL, NULL, NULL, 'Sevilla', NULL, NULL, 'Cádiz', (ARRAY['llamar por la tarde', 'cliente habitual desde 2019', 'prefiere que le escriban'])[i], 'alta'
        FROM generate_series(1, 3) AS i`);
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const run = captured(dir);

    expect(await main(['rules', 'suggest', '--database-url', db.url], run.io)).toBe(0);

    expect(rulesSchema.parse(parse(run.out())).tables['public.clientes']).toEqual({ columns: {
      id: { strategy: 'keep' }, nombre: { strategy: 'firstName' }, apellidos: { strategy: 'lastName' }, correo: { strategy: 'email' }, telefono: { strategy: 'phone' },
      direccion: { strategy: 'street' }, ciudad: { strategy: 'city' }, codigo_postal: { strategy: 'postcode' }, fecha_nacimiento: { strategy: 'dateShift', maxDays: 30 },
      lugar_nacimiento: { strategy: 'city' }, notas: { strategy: 'scrubText' }, capacidad: { strategy: 'keep' },
    } });
    expect(run.out()).toContain('notas: scrubText  # free text people write (column name "notas", 3 of 3 sampled values are sentences)');
  });

  it('suggests masking live credentials: columns of them, JSON paths holding one, free text quoting one, and columns named for secrets', async () => {
    const db = await createDemoDatabase('rulescred');
    created.push(db.name);
    const slack = (i: number): string => `xoxb-${1000000000 + i}-${2000000000 + i}-Q7wErTy9UiOp3AsDfGhJkL${i}`;
    await query(db.url, 'CREATE TABLE integrations (id int PRIMARY KEY, bot text, settings jsonb, notes text, totp_seed text, signing_key text)');
    await query(db.url, `INSERT INTO integrations SELECT i, ($1::text[])[i], jsonb_build_object('whatsapp', jsonb_build_object('app', 'EAAG' || repeat('Q7wErTy9UiOp3AsD', 8))),
        CASE WHEN i = 1 THEN 'rotated ' || ($1::text[])[i] || ' today' ELSE 'fine' END, 'seed', 'k' FROM generate_series(1, 3) AS i`, [[slack(1), slack(2), slack(3)]]);
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const run = captured(dir);

    expect(await main(['rules', 'suggest', '--database-url', db.url], run.io)).toBe(0);

    const rules = rulesSchema.parse(parse(run.out()));
    expect(rules.tables['public.integrations']).toEqual({ columns: {
      id: { strategy: 'keep' },
      bot: { strategy: 'hash' },
      settings: { strategy: 'json', paths: { '$.whatsapp.app': { strategy: 'hash' } } },
      notes: { strategy: 'scrubText' },
      totp_seed: { strategy: 'hash' },
      signing_key: { strategy: 'hash' },
    } });
    expect(run.out()).toContain('bot: hash  # 3 of 3 sampled values are live credentials');
    expect(run.out()).toContain('notes: scrubText  # free text: 1 of 3 sampled values contain emails, phone numbers or live credentials');
  });

  it('proposes the whole JSON document, not a path, when its keys are personal data: null, or an empty document when NOT NULL', async () => {
    const db = await createDemoDatabase('ruleskeys');
    created.push(db.name);
    await query(db.url, `CREATE TABLE teams (id int PRIMARY KEY, roles jsonb NOT NULL, acl jsonb, prefs jsonb);
      INSERT INTO teams VALUES (1, '{"ann.smith@gmail.com": "admin"}', '{"members": {"+44 7700 900123": true}}', '{"theme": "dark", "email": "x@y.io"}'), (2, '{}', NULL, '{}')`);
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const run = captured(dir);

    expect(await main(['rules', 'suggest', '--database-url', db.url], run.io)).toBe(0);

    expect(rulesSchema.parse(parse(run.out())).tables['public.teams']).toEqual({ columns: {
      id: { strategy: 'keep' },
      roles: { strategy: 'fixed', value: '{}' },
      acl: { strategy: 'null' },
      prefs: { strategy: 'json', paths: { '$.email': { strategy: 'email' } } },
    } });
    expect(run.out()).toContain('acl: "null"  # the keys of 1 of 1 sampled documents are emails, phone numbers or credentials, and no JSON path masks a key');
  });

  it('checks coverage: exit 1 listing unclassified columns and dangling rules with their lines', async () => {
    const { url } = await demo();
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    await writeFile(path.join(dir, 'rules.yaml'), DEMO_RULES.replace('      locale: keep\n', '      locale: keep\n      nickname: username\n'));
    const run = captured(dir);

    const code = await main(['rules', 'check', '--database-url', url, '--rules', 'rules.yaml'], run.io);

    expect(code).toBe(1);
    expect(run.out()).toContain('9 unclassified column(s), 1 dangling rule(s)');
    expect(run.out()).toMatch(/rules\.yaml:\d+: tables\.public\.profiles\.columns\.prefs: column public\.profiles\.prefs \(jsonb\) has no rule/);
    expect(run.out()).toMatch(/rules\.yaml:9: tables\.public\.users\.columns\.nickname: column nickname does not exist in table public\.users/);
    // Then what to add, as suggest writes it: the new table's columns, each with its reason.
    expect(run.out()).toContain(`Suggested rules for the columns without one, as rules suggest writes them from names and sampled values (review each, then add it under its table in tables of ${path.join(dir, 'rules.yaml')}; rehearsal rules suggest --rules FILE adds them to a rules file):
  public.profiles:
    columns:
      id: keep  # primary key, no PII signal in its name
`);
    expect(run.out()).toContain('      about: scrubText  # free text: 1 of 2 sampled values contain emails, phone numbers or live credentials\n');
  });

  it('adds to a rules file a rule for each column it lacks, keeping every rule and comment there, and then covers the schema', async () => {
    // Prepare: the rules of the release before, with a comment of their own and a rule naming a dropped column.
    const { url } = await demo();
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    const mine = `# Reviewed by the data team.\n${DEMO_RULES.replace('      locale: keep\n', '      locale: keep  # a language tag, not personal\n      nickname: username\n')}`;
    await writeFile(path.join(dir, 'rules.yaml'), mine);
    const run = captured(dir);

    // Act
    const code = await main(['rules', 'suggest', '--database-url', url, '--rules', 'rules.yaml'], run.io);

    // Assert: the old rules and comments as they were, the new table's columns with their reasons.
    expect(code).toBe(0);
    const merged = run.out();
    expect(merged).toContain('# Reviewed by the data team.\n');
    expect(merged).toContain('locale: keep # a language tag, not personal\n');
    const before = rulesSchema.parse(parse(mine));
    const after = rulesSchema.parse(parse(merged));
    for (const [table, rule] of Object.entries(before.tables)) expect(after.tables[table]).toEqual(rule);
    expect(after.tables['public.profiles']).toEqual({ columns: expect.objectContaining({
      id: { strategy: 'keep' }, about: { strategy: 'scrubText' }, avatar: { strategy: 'null' }, receipt: { strategy: 'fixed', value: '' },
    }) });
    expect(merged).toContain('about: scrubText # free text: 1 of 2 sampled values contain emails, phone numbers or live credentials\n');
    expect(run.err()).toContain('added a rule for 9 column(s) without one, each with its reason as a comment: review them before use');
    expect(run.err()).toMatch(/left as they are \(rules check reports them\): 1 problem\(s\):\n {2}.*rules\.yaml:\d+: tables\.public\.users\.columns\.nickname: column nickname does not exist/);
    // Once the dropped column's rule goes too, the rules cover the schema exactly.
    await writeFile(path.join(dir, 'merged.yaml'), merged.replace('      nickname: username\n', ''));
    const check = captured(dir);
    expect(await main(['rules', 'check', '--database-url', url, '--rules', 'merged.yaml'], check.io)).toBe(0);
  });

  it('says a rule names a view or a materialized view, not a table, instead of a missing table', async () => {
    const { url } = await demo();
    await query(url, 'CREATE VIEW user_emails AS SELECT email FROM users; CREATE MATERIALIZED VIEW user_names AS SELECT full_name FROM users');
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    await writeFile(path.join(dir, 'rules.yaml'), `${DEMO_RULES}  public.user_emails:\n    columns: { email: email }\n  public.user_names: truncate\n`);
    const run = captured(dir);

    expect(await main(['rules', 'check', '--database-url', url, '--rules', 'rules.yaml'], run.io)).toBe(1);

    expect(run.out()).toMatch(/rules\.yaml:\d+: tables\.public\.user_emails: public\.user_emails is a view, not a table: rules name tables only \(a view shows its tables' masked rows, a materialized view is refreshed from them\); remove this rule/);
    expect(run.out()).toMatch(/tables\.public\.user_names: public\.user_names is a materialized view, not a table/);
  });

  it('refuses a schema the database lacks, naming those it has, instead of covering no table', async () => {
    const { url } = await demo();
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-cli-'));
    await writeFile(path.join(dir, 'rules.yaml'), 'tables: {}\n');
    const suggest = captured(dir);
    const check = captured(dir);

    expect(await main(['rules', 'suggest', '--database-url', url, '--schema', 'pubilc'], suggest.io)).toBe(2);
    expect(await main(['rules', 'check', '--database-url', url, '--rules', 'rules.yaml', '--schema', 'pubilc'], check.io)).toBe(2);

    for (const run of [suggest, check]) {
      expect(run.err()).toContain('schemas: schema "pubilc" does not exist in the database (its schemas: "public")');
      expect(run.out()).toBe('');
    }
  });

  it.each([
    ['a port that is no number', 'postgres://app:topsecret99@127.0.0.1:notaport/shop', 'does not parse as a URL'],
    ['an IPv6 host without its closing bracket', 'postgres://app:topsecret99@[::1:5432/shop', 'does not parse as a URL'],
    ['a stray percent sign', 'postgres://app:topsecret99@127.0.0.1:5432/shop%', 'does not parse as a URL'],
    ['no database', 'postgres://app:topsecret99@127.0.0.1:5432', 'names no database: add /<database> after the host'],
    ['another scheme', 'mysql://app:topsecret99@127.0.0.1/shop', 'must be a postgres:// URL'],
  ])('refuses a --database-url with %s as bad usage (exit 2), never printing it', async (_, url, message) => {
    const run = captured(tmpdir());

    expect(await main(['rules', 'suggest', '--database-url', url], run.io)).toBe(2);

    expect(run.err()).toContain(`rehearsal rules suggest: --database-url ${message}`);
    expect(run.err()).not.toContain('topsecret99');
  });

  it('rejects an unknown sub-command with usage and exit 2', async () => {
    const run = captured(tmpdir());

    expect(await main(['rules', 'guess'], run.io)).toBe(2);
    expect(run.err()).toContain('expected "suggest" or "check"');
    const misspelt = captured(tmpdir());
    expect(await main(['rules', 'suggets'], misspelt.io)).toBe(2);
    expect(misspelt.err()).toContain('expected "suggest" or "check", got "suggets" (did you mean suggest?)');
    for (const sample of ['1e2', '0x10', ' 5', '0']) {
      const odd = captured(tmpdir());
      expect(await main(['rules', 'suggest', '--database-url', 'postgres://app@127.0.0.1:5432/shop', '--sample', sample], odd.io)).toBe(2);
      expect(odd.err()).toContain(`--sample must be a positive whole number written in digits, got ${JSON.stringify(sample)}`);
    }
  });
});
