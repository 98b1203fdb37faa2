import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { verifyDatabase } from '../../../shared/verify/verify';
import { suggestRules } from '../../../shared/anonymize/suggest';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { KEY } from './fixtures';

describe('strategies on real column types', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const database = async (ddl: string): Promise<string> => {
    const name = uniqueName('strat');
    created.push(name);
    const url = await createDatabase(name);
    await query(url, ddl);
    return url;
  };
  const mask = (url: string, rules: string) => anonymizeDatabase({ connection: { connectionString: url }, source: parseRulesText(rules, 'rules.yaml'), key: KEY });

  it('masks arrays element by element, JSON paths with wildcards, and fits varchar(n), char(n), citext, inet and uuid', async () => {
    const url = await database(`
      CREATE EXTENSION IF NOT EXISTS citext;
      CREATE TABLE people (id int PRIMARY KEY, emails text[], login citext, short_email varchar(30), initials char(6), ip inet, ext_id uuid,
        settings jsonb, born date, balance numeric(10,2), visits int, note text, status text, tier text);
      INSERT INTO people VALUES
        (1, ARRAY['a@one.org', 'b@two.org'], 'Ann', 'ann@verylongdomainname.org', 'AS', '8.8.8.8', '11111111-1111-1111-1111-111111111111',
         '{"contact": {"email": "a@one.org"}, "submitted_values": [{"value": "+44 7700 900123"}], "theme": "dark"}', '1990-05-01', 100.00, 10, 'private note', 'gold', 'x'),
        (2, NULL, 'Bob', NULL, NULL, '2a00:1450::1', NULL, NULL, NULL, NULL, NULL, NULL, 'silver', NULL);`);

    await mask(url, `tables:
  public.people:
    columns:
      id: keep
      emails: email
      login: username
      short_email: email
      initials: redact
      ip: ipAddress
      ext_id: uuid
      settings: { strategy: json, paths: { "$.contact.email": email, "$.submitted_values[*].value": phone } }
      born: { strategy: dateShift, maxDays: 30 }
      balance: { strategy: numberNoise, ratio: 0.1 }
      visits: { strategy: numberNoise, ratio: 0.5 }
      note: "null"
      status: { strategy: fixed, value: bronze }
      tier: hash
`);

    const [one, two] = await query(url, 'SELECT *, host(ip) AS ip_text, ext_id::text AS uuid_text FROM people ORDER BY id');
    if (!one || !two) throw new Error('expected two rows');
    const fakeEmail = (await query<{ e: string }>(url, 'SELECT emails[1] AS e FROM people WHERE id = 1'))[0]?.e;
    expect(one.emails).toHaveLength(2);
    for (const email of one.emails as string[]) expect(email).toMatch(/@example\.(com|org|net)$/);
    expect(one.settings.contact.email).toBe(fakeEmail);
    expect(one.settings.theme).toBe('dark');
    expect(one.settings.submitted_values[0].value).toMatch(/^\+44 \d{4} \d{6}$/);
    expect(one.settings.submitted_values[0].value).not.toBe('+44 7700 900123');
    expect(one.short_email.length).toBeLessThanOrEqual(30);
    expect(one.short_email).toMatch(/@example\./);
    expect(one.initials).toBe('[redac');
    expect(one.ip_text).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/);
    expect(two.ip_text).toMatch(/^2001:db8:/);
    expect(one.uuid_text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const shift = Math.abs(new Date(one.born).getTime() - new Date('1990-05-01').getTime()) / 86_400_000;
    expect(shift).toBeLessThanOrEqual(31);
    expect(Number(one.balance)).toBeGreaterThanOrEqual(90);
    expect(Number(one.balance)).toBeLessThanOrEqual(110);
    expect(Number.isInteger(one.visits)).toBe(true);
    expect(one.note).toBeNull();
    expect([one.status, two.status]).toEqual(['bronze', 'bronze']);
    expect(one.tier).toMatch(/^[0-9a-f]{32}$/);
    expect(two.tier).toBeNull();
    expect(two.emails).toBeNull();
    expect(two.login).not.toBe('Bob');
  });

  it('moves coordinates by at most an amount (numberNoise by), near 0 too, the same way in columns and in a location message\'s JSON, as rules suggest proposes', async () => {
    const url = await database(`
      CREATE TABLE deliveries (id int PRIMARY KEY, lat numeric(9,6), lng double precision, message jsonb);
      INSERT INTO deliveries VALUES
        (1, 51.507351, -0.127758, '{"type": "location", "location": {"latitude": 51.507351, "longitude": -0.127758}}'),
        (2, 0.000100, 0.000200, '{"type": "location", "location": {"latitude": 0.0001, "longitude": 0.0002}}'),
        (3, 51.507351, 6.000000, NULL)`);
    const rules = await suggestRules({ connectionString: url }, {});
    expect(rules).toMatch(/lat: \{ strategy: numberNoise, by: 0\.01 \} +# column name "lat": a coordinate/);
    expect(rules).toMatch(/lng: \{ strategy: numberNoise, by: 0\.01 \}/);
    expect(rules).toMatch(/"\$\.location\.latitude": \{ strategy: numberNoise, by: 0\.01 \}/);

    await mask(url, rules);

    const rows = await query<{ lat: string; lng: number; message: { location: { latitude: number; longitude: number } } | null }>(url, 'SELECT lat, lng, message FROM deliveries ORDER BY id');
    const originals = [[51.507351, -0.127758], [0.0001, 0.0002], [51.507351, 6]];
    rows.forEach((row, i) => {
      const [lat, lng] = originals[i] ?? [];
      expect(Math.abs(Number(row.lat) - (lat ?? 0))).toBeLessThanOrEqual(0.01);
      expect(Math.abs(row.lng - (lng ?? 0))).toBeLessThanOrEqual(0.01);
      expect([Number(row.lat), row.lng]).not.toEqual([lat, lng]);
    });
    // Near 0 it moves by as much as elsewhere, where a share of it would not move it at all.
    expect(Math.abs(Number(rows[1]?.lat) - 0.0001)).toBeGreaterThan(0.00001);
    // The same value, the same move: in another row and in the JSON of a location message.
    expect(rows[2]?.lat).toBe(rows[0]?.lat);
    expect(rows[0]?.message?.location.latitude).toBe(Number(rows[0]?.lat));
  });

  it('takes names that need quoting (spaces, capitals, punctuation) from rules suggest through masking to a passing verify', async () => {
    const url = await database(`CREATE SCHEMA "Sales Data";
      CREATE TABLE "Sales Data"."User Profiles" ("ID" int PRIMARY KEY, "E-mail" text UNIQUE, "notes's" text, "Phone #" text);
      INSERT INTO "Sales Data"."User Profiles" SELECT i, 'u' || i || '@gmail.com', 'call me at +44 7700 900' || lpad(i::text, 3, '0'), '+44 7700 900' || lpad(i::text, 3, '0') FROM generate_series(1, 20) AS i;
      CREATE TABLE "Sales Data".orders (id int PRIMARY KEY, contact text REFERENCES "Sales Data"."User Profiles" ("E-mail"));
      INSERT INTO "Sales Data".orders SELECT i, 'u' || i || '@gmail.com' FROM generate_series(1, 20) AS i`);
    const rules = await suggestRules({ connectionString: url }, { schemas: ['Sales Data'] });
    expect(rules).toContain('"Sales Data.User Profiles":');

    await anonymizeDatabase({ connection: { connectionString: url }, source: parseRulesText(rules, 'rules.yaml'), key: KEY, schemas: ['Sales Data'] });

    expect(await query(url, `SELECT count(*)::int AS n FROM "Sales Data".orders o JOIN "Sales Data"."User Profiles" u ON u."E-mail" = o.contact WHERE u."E-mail" LIKE '%@example.%'`)).toEqual([{ n: 20 }]);
    const result = await verifyDatabase({ connection: { connectionString: url }, source: parseRulesText(rules, 'rules.yaml'), key: KEY, schemas: ['Sales Data'] });
    expect(result.findings).toEqual([]);
  });

  it('refuses a table key it cannot split into schema and table, saying so', () => {
    expect(() => parseRulesText('tables:\n  public.my.table:\n    columns: { id: keep }\n', 'rules.yaml')).toThrow(/rules.yaml:2: tables.public.my.table: key: a table is named schema.table, e.g. public.users \(a schema or table whose name holds a dot cannot be named here\)/);
  });

  it('masks an array of JSON documents document by document, and a json document with a repeated key, so verify passes', async () => {
    const url = await database(`CREATE TABLE events (id int PRIMARY KEY, docs jsonb[], legacy json NOT NULL);
      INSERT INTO events VALUES (1, ARRAY['{"email": "ann.smith@gmail.com"}'::jsonb, '{"email": ["b@corp.io"], "n": 2}'::jsonb],
        '{"email": "cara@mail.fr", "email": "dup@mail.fr", "n": 1}'), (2, NULL, '"x"')`);
    const rules = `tables:
  public.events:
    columns: { id: keep, docs: { strategy: json, paths: { "$.email[*]": email } }, legacy: { strategy: json, paths: { "$.email": email } } }
`;

    await mask(url, rules);

    const [one] = await query<{ docs: { email: string | string[]; n?: number }[]; legacy: string }>(url, 'SELECT docs, legacy::text AS legacy FROM events WHERE id = 1');
    expect(one?.docs.map((doc) => [doc.email].flat().every((email) => /@example\.(com|org|net)$/.test(email)))).toEqual([true, true]);
    expect(one?.docs[1]?.n).toBe(2);
    expect(one?.legacy).not.toContain('@mail.fr');
    expect((await verifyDatabase({ connection: { connectionString: url }, source: parseRulesText(rules, 'rules.yaml'), key: KEY })).findings).toEqual([]);
  });

  it('keeps a unique column unique even when the fakes collide, by re-deriving only the colliding values', async () => {
    const url = await database(`
      CREATE TABLE branches (id int PRIMARY KEY, city text NOT NULL UNIQUE, code int NOT NULL UNIQUE);
      INSERT INTO branches SELECT i, 'Town ' || i, i FROM generate_series(1, 300) AS i;`);

    const result = await mask(url, `tables:
  public.branches:
    columns: { id: keep, city: city, code: hash }
`);

    expect(result.progress.tables[0]?.mode).toBe('mapped');
    const [counts] = await query(url, 'SELECT count(DISTINCT city)::int AS cities, count(DISTINCT code)::int AS codes, count(*)::int AS n FROM branches');
    expect(counts).toEqual({ cities: 300, codes: 300, n: 300 });
    const dictionaryOnly = await query(url, "SELECT count(*)::int AS n FROM branches WHERE city !~ ' '");
    expect(dictionaryOnly[0]?.n).toBeGreaterThan(0);
  });

  it('applies a masked key to every referencing column, so foreign keys still join', async () => {
    const url = await database(`
      CREATE TABLE accounts (email text PRIMARY KEY, name text);
      CREATE TABLE invites (id int PRIMARY KEY, inviter text NOT NULL REFERENCES accounts (email), invitee text REFERENCES accounts (email));
      CREATE TABLE audit (id int PRIMARY KEY, actor text REFERENCES accounts (email) ON DELETE CASCADE);
      INSERT INTO accounts VALUES ('ann@real.org', 'Ann'), ('bob@real.org', 'Bob'), ('cy@real.org', 'Cy');
      INSERT INTO invites VALUES (1, 'ann@real.org', 'bob@real.org'), (2, 'bob@real.org', NULL);
      INSERT INTO audit VALUES (1, 'cy@real.org'), (2, 'ann@real.org');`);

    await mask(url, `tables:
  public.accounts:
    columns: { email: email, name: firstName }
  public.invites:
    columns: { id: keep }
  public.audit:
    columns: { id: keep }
`);

    const joined = await query(url, `SELECT i.id, a.name IS NOT NULL AS inviter_found, (i.invitee IS NULL OR b.email IS NOT NULL) AS invitee_found
      FROM invites i LEFT JOIN accounts a ON a.email = i.inviter LEFT JOIN accounts b ON b.email = i.invitee ORDER BY i.id`);
    expect(joined).toEqual([{ id: 1, inviter_found: true, invitee_found: true }, { id: 2, inviter_found: true, invitee_found: true }]);
    expect(await query(url, "SELECT count(*)::int AS n FROM audit x JOIN accounts a ON a.email = x.actor WHERE a.email LIKE '%@example.%'")).toEqual([{ n: 2 }]);
    const constraints = await query(url, "SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY conname");
    expect(constraints.map((row) => row.conname)).toEqual(['audit_actor_fkey', 'invites_invitee_fkey', 'invites_inviter_fkey']);
    const deleteRule = await query(url, "SELECT confdeltype FROM pg_constraint WHERE conname = 'audit_actor_fkey'");
    expect(deleteRule).toEqual([{ confdeltype: 'c' }]);
  });
});
