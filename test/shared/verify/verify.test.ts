import pg from 'pg';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { readCatalog, type TableInfo } from '../../../shared/anonymize/catalog';
import { mostlyDistinctColumns, phoneSizedNumberColumns } from '../../../shared/verify/cells';
import { CheckFailedError, ConfigError } from '../../../shared/errors';
import { verifyDatabase, type Finding } from '../../../shared/verify/verify';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { base64Of, createDemoDatabase, CREDENTIAL_SAMPLES, DEMO_RULES, demoRules, DIGEST_HEX, DIGITS_NO_PII, KEY, ORIGINALS, OTHER_KEY, WRITTEN_AGAINST_DIGITS } from '../anonymize/fixtures';

describe('verifyDatabase', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const masked = async (rules = DEMO_RULES, setup = '') => {
    const db = await createDemoDatabase('verify');
    created.push(db.name);
    if (setup) await query(db.url, setup);
    await anonymizeDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });
    return db.url;
  };
  const verify = (url: string, rules = DEMO_RULES, key = KEY) =>
    verifyDatabase({ connection: { connectionString: url }, source: demoRules(rules), key });

  it('passes a properly masked database and then drops the fingerprints and helpers, keeping only the run\'s record', async () => {
    const url = await masked();

    const result = await verify(url);

    expect(result.findings).toEqual([]);
    expect(result.tablesScanned).toBe(4);
    expect(result.fingerprintsDropped).toBe(true);
    expect(await query(url, "SELECT relname FROM pg_class WHERE relnamespace = 'rehearsal_mask'::regnamespace ORDER BY relname")).toEqual([{ relname: 'key_check' }, { relname: 'progress' }, { relname: 'progress_pkey' }]);
    expect(await query(url, "SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'rehearsal_mask'::regnamespace")).toEqual([{ n: 0 }]);
    expect(await query(url, "SELECT step FROM rehearsal_mask.progress WHERE step LIKE 'verified %' OR step LIKE 'finished %'")).toHaveLength(2);
  });

  it('finds an original value copied into a kept column, naming table, column, row and kind but never the value', async () => {
    const notes = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, body: keep, doc: keep }\n`;
    const url = await masked(notes, `CREATE TABLE notes (id int PRIMARY KEY, body text, doc jsonb);
      INSERT INTO notes VALUES (7, '${ORIGINALS.names[1]}', NULL), (9, 'met ${ORIGINALS.names[2]} yesterday', NULL), (8, 'see ${ORIGINALS.phones[1]} please', '{"who": {"mail": "${ORIGINALS.emails[1]}"}}'),
        (10, 'Dear ${ORIGINALS.names[0]}, thanks', NULL)`);

    const result = await verify(url, notes);

    expect(result.findings).toEqual(expect.arrayContaining([
      { table: 'public.notes', column: 'body', key: 'id=7', kind: 'original value of public.users.full_name' },
      { table: 'public.notes', column: 'body', key: 'id=9', kind: 'original value of public.users.full_name' },
      // After a capitalised word, the name is a shorter run of the run of capitalised words.
      { table: 'public.notes', column: 'body', key: 'id=10', kind: 'original value of public.users.full_name' },
      { table: 'public.notes', column: 'body', key: 'id=8', kind: 'original value of public.users.phone' },
      { table: 'public.notes', column: 'doc', key: 'id=8', kind: 'original value of public.users.email' },
    ]));
    const printed = JSON.stringify(result);
    for (const value of [...ORIGINALS.names, ...ORIGINALS.emails, ...ORIGINALS.phones]) expect(printed).not.toContain(value);
    expect(await query(url, "SELECT 1 AS present FROM pg_namespace WHERE nspname = 'rehearsal_mask'")).toEqual([{ present: 1 }]);
  });

  it('finds a customer whose name a fake could have (James Wilson) in kept columns, and not where masking writes fakes', async () => {
    // Prepare: a customer named with dictionary words, quoted in a kept note and a materialized view.
    const notes = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, body: keep }\n`;
    const url = await masked(notes, `INSERT INTO users VALUES (4, 'james.w@mail.example', 'James Wilson', NULL, 'en-GB', '2026-01-04');
      CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO notes VALUES (1, 'Chat with James Wilson'), (2, 'James called about London');
      CREATE MATERIALIZED VIEW user_names AS SELECT id, full_name FROM users`);
    // After masking, fakes that equal the original by chance: another user's fake name, a scrubbed message
    // quoting it, and the view refreshed from them.
    await query(url, `UPDATE users SET full_name = 'James Wilson' WHERE id = 2;
      UPDATE messages SET body = body || ' Regards, James Wilson' WHERE id = 1; REFRESH MATERIALIZED VIEW user_names; ANALYZE`);

    // Act
    const result = await verify(url, notes);

    // Assert: the kept note's full name only; a lone first name or city is every text's word.
    expect(result.findings).toEqual([{ table: 'public.notes', column: 'body', key: 'id=1', kind: 'original value of public.users.full_name' }]);
  });

  it('finds originals and live PII inside a base64 webhook body in a kept column, saying so, and nothing in hashes or random tokens', async () => {
    const notes = `${DEMO_RULES}  public.events:\n    columns: { id: keep, raw: keep }\n`;
    // A form body as Twilio posts it: the number in E.164 (a user's phone, +44 7700 900123), the @ percent-encoded.
    const body = 'From=%2B447700900123&Body=Hi+from+someone.else%40gmail.com';
    const random = base64Of(Buffer.from(DIGEST_HEX, 'hex'));
    const url = await masked(notes, `CREATE TABLE events (id int PRIMARY KEY, raw jsonb);
      INSERT INTO events VALUES (1, '{"isBase64Encoded": true, "body": "${base64Of(body)}"}'),
        (2, '{"isBase64Encoded": true, "body": "${base64Of('Hello, how can I help you today?')}", "token": "${random}", "hash": "${DIGEST_HEX}"}')`);

    const result = await verify(url, notes);

    expect(result.findings.filter(({ table }) => table === 'public.events').map(({ key, kind }) => `${key} ${kind}`).sort()).toEqual([
      // The number is a user's phone, and a message quotes it too.
      'id=1 email outside reserved fake ranges (base64-encoded)', 'id=1 original value of public.messages.body (base64-encoded)',
      'id=1 original value of public.users.phone (base64-encoded)',
    ]);
  });

  it('passes base64 bodies that scrubText masked', async () => {
    const notes = `${DEMO_RULES}  public.events:\n    columns: { id: keep, raw: { strategy: json, paths: { "$.body": scrubText } } }\n`;
    const url = await masked(notes, `CREATE TABLE events (id int PRIMARY KEY, raw jsonb);
      INSERT INTO events VALUES (1, '{"body": "${base64Of(`From=%2B447700900123&Body=mail+${encodeURIComponent(ORIGINALS.emails[1])}`)}"}')`);

    const result = await verify(url, notes);

    expect(result.findings).toEqual([]);
    const [event] = await query<{ body: string }>(url, "SELECT raw->>'body' AS body FROM events");
    expect(Buffer.from(event?.body ?? '', 'base64').toString()).toMatch(/^From=%2B44[0-9]{10}&Body=mail\+[a-z.0-9]+%40example\.(com|org|net)$/);
  });

  it('names every row holding a leaked value, though the value is searched once', async () => {
    const notes = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, body: keep }\n`;
    const url = await masked(notes, `CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO notes VALUES (1, 'ok'), (2, 'call ${ORIGINALS.phones[0]}'), (3, 'ok'), (4, 'call ${ORIGINALS.phones[0]}'), (5, 'call ${ORIGINALS.phones[0]}')`);

    const result = await verify(url, notes);

    // The number is a user's phone, and the first message quotes it too.
    expect(result.findings.filter(({ table }) => table === 'public.notes').map(({ key, kind }) => `${key} ${kind}`).sort()).toEqual(
      [2, 4, 5].flatMap((id) => [`id=${id} original value of public.messages.body`, `id=${id} original value of public.users.phone`]),
    );
  });

  it('finds a phone number written with other separators by its digits, and only where a phone number is written', async () => {
    const notes = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, body: keep }\n`;
    // +33 6 12 34 56 78 as +33-6-1234-5678; and its digits hidden in an email's local part, which is no phone number.
    const url = await masked(notes, `CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO notes VALUES (1, 'reach me on +33-6-1234-5678 tonight'), (2, 'write to 33612345678@example.com')`);

    const result = await verify(url, notes);

    // The number is a user's phone, and a message quotes it too.
    expect(result.findings.filter(({ table }) => table === 'public.notes').map(({ key, kind }) => `${key} ${kind}`).sort()).toEqual([
      'id=1 original value of public.messages.body',
      'id=1 original value of public.users.phone',
    ]);
  });

  it('finds an original email or phone number a kept link quotes percent-encoded, and none in links scrubText masked', async () => {
    const visits = `${DEMO_RULES}  public.visits:\n    columns: { id: keep, kept: keep, scrubbed: scrubText }\n`;
    const encoded = (value: string): string => encodeURIComponent(value);
    const link = `https://bot.example.com/reset?email=${encoded(ORIGINALS.emails[1])}&tel=${encoded(ORIGINALS.phones[0].replace(/[^+0-9]/g, ''))}`;
    const url = await masked(visits, `CREATE TABLE visits (id int PRIMARY KEY, kept text, scrubbed text);
      INSERT INTO visits VALUES (1, '${link}', '${link}'), (2, 'https://bot.example.com/u?e=zed%40elsewhere.io', NULL)`);

    const result = await verify(url, visits);

    // (The kept column's planner statistics quote the same links: findings keyed pg_stats, left out here.)
    expect(result.findings.filter(({ table, key }) => table === 'public.visits' && key.startsWith('id=')).map(({ column, key, kind }) => `${column} ${key} ${kind}`).sort()).toEqual([
      'kept id=1 original value of public.messages.body',
      'kept id=1 original value of public.users.email',
      'kept id=1 original value of public.users.phone',
      'kept id=1 original value of public.visits.scrubbed',
      'kept id=2 email outside reserved fake ranges',
    ]);
    const [scrubbed] = await query<{ scrubbed: string }>(url, 'SELECT scrubbed FROM visits WHERE id = 1');
    expect(scrubbed?.scrubbed).toMatch(/^https:\/\/bot\.example\.com\/reset\?email=[a-z.]+\.[0-9a-f]{12}%40example\.(com|org|net)&tel=%2B[0-9]+$/);
  });

  it('finds the MD5 or SHA-256 digest of an original email kept in another column (a Gravatar hash, a hashed email for ad platforms)', async () => {
    const avatars = `${DEMO_RULES}  public.avatars:\n    columns: { id: keep, gravatar: keep, ad_match: keep }\n`;
    const email = ORIGINALS.emails[0];
    const url = await masked(avatars, `CREATE TABLE avatars (id int PRIMARY KEY, gravatar text, ad_match text);
      INSERT INTO avatars VALUES (1, md5('${email}'), upper(encode(sha256(convert_to('${email}', 'UTF8')), 'hex'))), (2, md5('someone.else@gmail.com'), NULL)`);

    const result = await verify(url, avatars);

    expect(result.findings.filter(({ table, key }) => table === 'public.avatars' && key.startsWith('id=')).map(({ column, key, kind }) => `${column} ${key} ${kind}`).sort()).toEqual([
      'ad_match id=1 original value of public.users.email (its unsalted MD5 or SHA-256 digest)',
      'gravatar id=1 original value of public.users.email (its unsalted MD5 or SHA-256 digest)',
    ]);
  });

  it('fingerprints emails\' digests only when the first rows of a kept text column hold hex digests', async () => {
    const digestSources = "SELECT source FROM rehearsal_mask.fingerprint_sources WHERE source LIKE '%digest%' ORDER BY source";
    const without = await masked();
    const tokens = `${DEMO_RULES}  public.api_tokens:\n    columns: { id: keep, token_md5: keep }\n`;
    const withDigests = await masked(tokens, "CREATE TABLE api_tokens (id int PRIMARY KEY, token_md5 text); INSERT INTO api_tokens VALUES (1, md5('not an email'))");

    expect(await query(without, digestSources)).toEqual([]);
    expect(await query(withDigests, digestSources)).toEqual([{ source: 'public.users.email (its unsalted MD5 or SHA-256 digest)' }]);
    expect((await verify(withDigests, tokens)).findings).toEqual([]);
  });

  it('passes scrubbed text that keeps what is no PII: private addresses, an IBAN that does not validate, a JSON path with no PII', async () => {
    const logs = `${DEMO_RULES}  public.logs:\n    columns: { id: keep, line: scrubText, event: { strategy: json, paths: { "$.text": scrubText } } }\n`;
    const url = await masked(logs, `CREATE TABLE logs (id int PRIMARY KEY, line text, event jsonb);
      INSERT INTO logs VALUES (1, 'from 10.0.0.1 via fe80::1 to 192.0.2.7, ref GB00 WEST 1234 5698 7654 32', '{"text": "Thanks, that helped"}')`);

    expect((await verify(url, logs)).findings).toEqual([]);
  });

  it('finds an original IPv6 address written in another form, and one a scrubbed JSON path quoted, in kept text', async () => {
    const sessions = `${DEMO_RULES}  public.sessions:\n    columns: { id: keep, ip: ipAddress, event: { strategy: json, paths: { "$.text": scrubText } }, kept: keep }\n`;
    const url = await masked(sessions, `CREATE TABLE sessions (id int PRIMARY KEY, ip inet, event jsonb, kept text);
      INSERT INTO sessions VALUES (1, '2a00:1450:4009:81f::200e', '{"text": "call me on +44 7700 900999"}', 'seen 2A00:1450:4009:081F:0:0:0:200E, then +44-7700-900999')`);

    const result = await verify(url, sessions);

    expect(result.findings.filter(({ table, key }) => table === 'public.sessions' && key.startsWith('id=')).map(({ column, kind }) => `${column} ${kind}`).sort()).toEqual([
      'kept original value of public.sessions.event',
      'kept original value of public.sessions.ip',
    ]);
  });

  it('finds a card, phone number or IPv4 address written against other digits in a kept text column, naming table, column and row but never the value', async () => {
    const notes = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, body: keep }\n`;
    const url = await masked(notes, `CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO notes SELECT i, t FROM jsonb_array_elements_text($$${JSON.stringify(WRITTEN_AGAINST_DIGITS.map(([text]) => text))}$$::jsonb) WITH ORDINALITY AS u(t, i)`);

    const result = await verify(url, notes);

    expect(result.findings.filter(({ table, key }) => table === 'public.notes' && key.startsWith('id='))).toEqual(WRITTEN_AGAINST_DIGITS.map(([, , fake], i) => (
      { table: 'public.notes', column: 'body', key: `id=${i + 1}`, kind: `${fake === 'ip' ? 'ipv4' : fake} outside reserved fake ranges` })));
    const printed = JSON.stringify(result);
    for (const [, part] of WRITTEN_AGAINST_DIGITS) expect(printed).not.toContain(part);
  });

  it('scrubs a card or phone number written against other digits, and finds that original where a kept column quotes it on its own', async () => {
    const chats = `${DEMO_RULES}  public.chats:\n    columns: { id: keep, line: scrubText, kept: keep }\n`;
    const url = await masked(chats, `CREATE TABLE chats (id int PRIMARY KEY, line text, kept text);
      INSERT INTO chats VALUES (1, '15/11/2026, 21:29 - +44 7700 912399: hi', 'call me on +44 7700 912399'),
        (2, 'paid with 5555 5555 5555 4444 09/28 123', 'card on file 5555555555554444'), (3, 'ok', 'ok')`);

    const result = await verify(url, chats);

    // The scrubbed lines pass (a fake card next to 09 would be Luhn-valid as a whole, had its last digit not moved).
    expect(result.findings.filter(({ table, key }) => table === 'public.chats' && key.startsWith('id=')).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { table: 'public.chats', column: 'kept', key: 'id=1', kind: 'original value of public.chats.line' },
      { table: 'public.chats', column: 'kept', key: 'id=2', kind: 'original value of public.chats.line' },
    ]);
    const lines = await query<{ line: string }>(url, 'SELECT line FROM chats ORDER BY id');
    expect(lines.map(({ line }) => line.replace(/[0-9]/g, '#'))).toEqual(['##/##/####, ##:## - +## #### ######: hi', 'paid with #### #### #### #### ##/## ###', 'ok']);
    expect(lines.map(({ line }) => line).join(' ')).not.toMatch(/7700 912399|5555 5555 5555 4444/);
    expect(lines[1]?.line).toMatch(/ 09\/28 123$/);
  });

  it('finds a US Social Security number, Canadian SIN, Brazilian CPF, UK National Insurance number, Aadhaar number, PAN, Spanish DNI, Mexican CURP, Italian codice fiscale, Dutch BSN, Polish PESEL or Chilean RUT kept in text, written so or after its name, and passes the same text scrubbed', async () => {
    const chats = `${DEMO_RULES}  public.chats:\n    columns: { id: keep, line: scrubText, kept: keep }\n`;
    const url = await masked(chats, `CREATE TABLE chats (id int PRIMARY KEY, line text, kept text);
      INSERT INTO chats VALUES (1, 'my ssn is 123-45-6789', 'ssn on file 987-65-4329'), (2, 'SSN: 123456789 thanks', 'My SSN#: 234567891'),
        (3, 'placeholder 000-00-0000', 'ref 123456789'), (4, 'ok', 'order 555123456'), (5, 'meu cpf é 52998224725', 'CPF: 111.444.777-35'),
        (6, 'SIN: 130 692 544', 'my sin is 271-828-188'), (7, 'NI number JG 10 37 59 A', 'nino ce123456b'),
        (8, 'aadhaar 2345 6789 0124, PAN AFZPK7190K', 'uid 3987 6543 2109, pan BNZAB2318K'),
        (9, 'DNI 12345678Z', 'nie Y7654321G'), (10, 'CURP GODE561231HDFRRN00', 'curp HEGG560427MVZRRL04'),
        (11, 'cf RSSMRA85T10A562S', 'codice fiscale MRTMTT25D09F205Z'), (12, 'mijn bsn is 123456782', 'BSN: 111222333'), (13, 'PESEL: 44051401359', 'pesel 02270803624'),
        (14, 'RUT 12.345.678-5', 'rut 16543210-K')`);

    const result = await verify(url, chats);

    // Row 3 keeps the SSN row 2 scrubbed, as a bare number: an original all the same. Row 4's number is none.
    expect(result.findings.filter(({ table, key }) => table === 'public.chats' && key.startsWith('id=')).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { table: 'public.chats', column: 'kept', key: 'id=1', kind: 'ssn outside reserved fake ranges' },
      // Ordered as text: id=10 before id=2.
      { table: 'public.chats', column: 'kept', key: 'id=10', kind: 'curp outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=11', kind: 'codice_fiscale outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=12', kind: 'bsn outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=13', kind: 'pesel outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=14', kind: 'rut outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=2', kind: 'ssn outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=3', kind: 'original value of public.chats.line' },
      { table: 'public.chats', column: 'kept', key: 'id=5', kind: 'cpf outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=6', kind: 'sin outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=7', kind: 'nino outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=8', kind: 'aadhaar outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=8', kind: 'pan outside reserved fake ranges' },
      { table: 'public.chats', column: 'kept', key: 'id=9', kind: 'dni outside reserved fake ranges' },
    ]);
    const lines = await query<{ line: string }>(url, 'SELECT line FROM chats ORDER BY id');
    expect(lines.map(({ line }) => line.replace(/[0-9]/g, '#'))).toEqual(['my ssn is ###-##-####', 'SSN: ######### thanks', 'placeholder ###-##-####', 'ok', 'meu cpf é ###########', 'SIN: ### ### ###',
      expect.stringMatching(/^NI number [DFIQUV][A-Z]( ##){3} [A-D]$/), expect.stringMatching(/^aadhaar #### #### ####, PAN [A-Z]{3}[QVWXYZ][A-Z]####[A-Z]$/), expect.stringMatching(/^DNI ########[A-Z]$/),
      expect.stringMatching(/^CURP [A-Z]{4}######[HM][A-Z]{5}##$/), expect.stringMatching(/^cf [A-Z]{6}##[A-Z]##[A-Z]###[A-Z]$/), 'mijn bsn is #########', 'PESEL: ###########', 'RUT ##.###.###-#']);
    expect(lines[2]?.line).toBe('placeholder 000-00-0000');
    expect(lines[7]?.line).toMatch(/^aadhaar 1/);
    expect(lines.map(({ line }) => line).join(' ')).not.toMatch(/123-45-6789|123456789|52998224725|130 692 544|JG 10 37 59 A|2345 6789 0124|AFZPK7190K|12345678Z|GODE561231HDFRRN00|RSSMRA85T10A562S|123456782|44051401359|12\.345\.678-5/);
    expect(JSON.stringify(result)).not.toMatch(/987-65-4329|234567891|111\.444\.777-35|271-828-188|ce123456b|3987 6543 2109|BNZAB2318K|Y7654321G|HEGG560427MVZRRL04|MRTMTT25D09F205Z|111222333|02270803624|16543210-K/i);
  });

  it('passes kept and scrubbed text whose digits are no PII, and scrubText leaves it as it was', async () => {
    const logs = `${DEMO_RULES}  public.logs:\n    columns: { id: keep, kept: keep, line: scrubText }\n`;
    const url = await masked(logs, `CREATE TABLE logs (id int PRIMARY KEY, kept text, line text);
      INSERT INTO logs SELECT i, t, t FROM jsonb_array_elements_text($$${JSON.stringify(DIGITS_NO_PII)}$$::jsonb) WITH ORDINALITY AS u(t, i)`);

    const result = await verify(url, logs);

    expect(result.findings.filter(({ table }) => table === 'public.logs')).toEqual([]);
    expect((await query<{ line: string }>(url, 'SELECT line FROM logs ORDER BY id')).map(({ line }) => line)).toEqual(DIGITS_NO_PII);
  });

  it('finds PII the detectors see outside reserved fake ranges, even values no rule ever masked', async () => {
    const rules = DEMO_RULES.replace('body: scrubText', 'body: keep');
    const url = await masked(rules, "INSERT INTO messages VALUES (9, 1, 'user', 'new address: zed@elsewhere.io, card 4111 1111 1111 1111', now())");

    const kinds = (await verify(url, rules)).findings.filter((finding) => finding.key === 'id=9').map((finding) => finding.kind).sort();

    expect(kinds).toEqual(['card outside reserved fake ranges', 'email outside reserved fake ranges']);
  });

  it('finds an original the planner statistics still quote after its rows were deleted, in text, text arrays, jsonb, row types and bytes', async () => {
    const notes = `${DEMO_RULES}\n  public.notes:\n    columns: { body: keep, tags: keep, doc: keep, sender: keep, raw: keep }\n`;
    const url = await masked(notes, `CREATE TYPE sender AS (name text, email text);
      CREATE TABLE notes (body text, tags text[], doc jsonb, sender sender, raw bytea)`);
    // Statistics taken while the rows were there, which the deletion does not change.
    await query(url, `INSERT INTO notes SELECT CASE WHEN i % 2 = 0 THEN $1 ELSE 'note ' || i END,
        ARRAY['tag' || i % 7, CASE WHEN i % 2 = 0 THEN $1 ELSE 'plain' END],
        CASE WHEN i % 2 = 0 THEN jsonb_build_object('contact', jsonb_build_object('email', $1::text)) ELSE jsonb_build_object('n', i) END,
        ROW('n' || i % 3, CASE WHEN i % 2 = 0 THEN $1 END)::sender,
        CASE WHEN i % 2 = 0 THEN convert_to('from ' || $1, 'UTF8') ELSE convert_to('n' || i, 'UTF8') END
      FROM generate_series(1, 200) AS i`, [ORIGINALS.emails[1]]);
    await query(url, 'ANALYZE notes');
    await query(url, 'DELETE FROM notes');

    const result = await verify(url, notes);

    const byColumn = [...result.findings].sort((a, b) => a.column.localeCompare(b.column));
    expect(byColumn).toEqual(['body', 'doc', 'raw', 'sender', 'tags'].map((column) => ({ table: 'public.notes', column, key: 'pg_stats', kind: 'original value of public.users.email' })));
    expect(JSON.stringify(result)).not.toContain(ORIGINALS.emails[1]);
  });

  it('finds an original extended statistics objects still quote, in their most common combinations and their expressions', async () => {
    const notes = `${DEMO_RULES}\n  public.notes:\n    columns: { body: keep, city: keep }\n`;
    const url = await masked(notes, `CREATE TABLE notes (body text, city text);
      CREATE STATISTICS notes_pair (mcv) ON lower(body), upper(city) FROM notes;
      CREATE STATISTICS notes_one ON (body || '!') FROM notes`);
    // Statistics taken while the rows were there, which the deletion does not change.
    await query(url, `INSERT INTO notes SELECT CASE WHEN i % 2 = 0 THEN $1 ELSE 'note ' || i % 3 END, 'Leeds' FROM generate_series(1, 200) AS i`, [ORIGINALS.emails[1]]);
    await query(url, 'ANALYZE notes');
    await query(url, 'DELETE FROM notes');

    const result = await verify(url, notes);

    expect(placesOf(result.findings)).toEqual([
      'public.notes.body pg_stats',
      "public.notes.statistics notes_one ((body || '!'::text)) pg_stats",
      'public.notes.statistics notes_pair (lower(body)) pg_stats',
      'public.notes.statistics notes_pair pg_stats',
    ]);
    expect(new Set(result.findings.map((finding) => finding.kind))).toEqual(new Set(['original value of public.users.email']));
    expect(JSON.stringify(result)).not.toContain(ORIGINALS.emails[1]);
  });

  it('finds live credentials of well-known services in kept text and JSON, and none in text scrubText masked', async () => {
    const slack = CREDENTIAL_SAMPLES['Slack token'];
    const stripe = CREDENTIAL_SAMPLES['Stripe secret key'];
    const rules = `${DEMO_RULES}\n  public.integrations:\n    columns: { id: keep, bot: keep, settings: keep, notes: scrubText }\n`;
    const url = await masked(rules, `CREATE TABLE integrations (id int PRIMARY KEY, bot text, settings jsonb, notes text);
      INSERT INTO integrations VALUES (1, '${slack}', '{"billing": {"key": "${stripe}"}}', 'rotated ${slack} today'),
        (2, 'ok', '{"billing": {"key": "sk_test_only"}}', 'nothing secret')`);

    const result = await verify(url, rules);

    // The kept columns' statistics quote them too.
    expect([...result.findings].sort((a, b) => `${a.column} ${a.key}`.localeCompare(`${b.column} ${b.key}`))).toEqual([
      { table: 'public.integrations', column: 'bot', key: 'id=1', kind: 'live credential (Slack token)' },
      { table: 'public.integrations', column: 'bot', key: 'pg_stats', kind: 'live credential (Slack token)' },
      { table: 'public.integrations', column: 'settings', key: 'id=1', kind: 'live credential (Stripe secret key)' },
      { table: 'public.integrations', column: 'settings', key: 'pg_stats', kind: 'live credential (Stripe secret key)' },
    ]);
    expect(await query(url, 'SELECT notes FROM integrations WHERE id = 1')).toEqual([{ notes: 'rotated [redacted credential] today' }]);
  });

  it('finds an original or a live credential in the settings of the database and its roles, and a credential written into a function or a foreign server', async () => {
    const db = await createDemoDatabase('verify');
    created.push(db.name);
    const slack = CREDENTIAL_SAMPLES['Slack token'];
    const stripe = CREDENTIAL_SAMPLES['Stripe secret key'];
    await query(db.url, `ALTER DATABASE "${db.name}" SET app.bot_token = '${slack}';
      ALTER DATABASE "${db.name}" SET app.support_mail = 'help@acme-support.io';
      ALTER ROLE CURRENT_USER IN DATABASE "${db.name}" SET app.escalate_to = '${ORIGINALS.emails[0]}';
      CREATE FUNCTION notify() RETURNS text LANGUAGE sql AS $$ SELECT '${slack}' $$;
      CREATE FOREIGN DATA WRAPPER billing_wrapper;
      CREATE SERVER billing FOREIGN DATA WRAPPER billing_wrapper OPTIONS (api_key '${stripe}', region 'eu')`);
    await anonymizeDatabase({ connection: { connectionString: db.url }, source: demoRules(), key: KEY });

    const role = (await query<{ role: string }>(db.url, 'SELECT current_user AS role'))[0]?.role;

    const result = await verify(db.url);

    // Her email is an original of the messages that quote it too.
    expect([...result.findings].sort((a, b) => `${a.key} ${a.kind}`.localeCompare(`${b.key} ${b.kind}`))).toEqual([
      { table: 'pg_db_role_setting', column: 'setconfig', key: `database ${db.name}`, kind: 'live credential (Slack token)' },
      { table: 'pg_proc', column: 'prosrc', key: 'function notify()', kind: 'live credential (Slack token)' },
      { table: 'pg_db_role_setting', column: 'setconfig', key: `role ${role} in database ${db.name}`, kind: 'original value of public.messages.body' },
      { table: 'pg_db_role_setting', column: 'setconfig', key: `role ${role} in database ${db.name}`, kind: 'original value of public.users.email' },
      { table: 'pg_foreign_server', column: 'srvoptions', key: 'server billing', kind: 'live credential (Stripe secret key)' },
    ]);
  });

  it('searches the keys of JSON documents, every value of a key a json document repeats, and fingerprints what .* paths reach', async () => {
    const [ann, bob] = ORIGINALS.emails;
    const rules = `${DEMO_RULES}\n  public.teams:\n    columns: { id: keep, roles: keep, legacy: keep, people: { strategy: json, paths: { "$.lead.*": fullName } }, note: keep }\n`;
    const url = await masked(rules, `CREATE TABLE teams (id int PRIMARY KEY, roles jsonb, legacy json, people jsonb, note text);
      INSERT INTO teams VALUES (1, '{"${ann}": "admin"}', '{"owner": "${bob}", "owner": "nobody"}', '{"lead": {"name": "Moira Quennell"}}', 'ask Moira Quennell'),
        (2, '{"admins": ["ops"]}', '{"owner": "nobody"}', '{"lead": {"name": "Ida Brookes"}}', 'none')`);

    const result = await verify(url, rules);

    // A json document has no statistics of its values; the others' statistics quote them too.
    expect(placesOf(result.findings)).toEqual(['public.teams.legacy id=1', 'public.teams.note id=1', 'public.teams.note pg_stats', 'public.teams.roles id=1', 'public.teams.roles pg_stats']);
    expect(result.findings).toContainEqual({ table: 'public.teams', column: 'note', key: 'id=1', kind: 'original value of public.teams.people' });
    expect(result.findings).toContainEqual({ table: 'public.teams', column: 'legacy', key: 'id=1', kind: 'original value of public.users.email' });
    expect(result.findings).toContainEqual({ table: 'public.teams', column: 'roles', key: 'id=1', kind: 'original value of public.users.email' });
  });

  it('searches the tables outside the schemas the rules cover, so a scoped run still fails on an original anywhere', async () => {
    const db = await createDemoDatabase('verify');
    created.push(db.name);
    await query(db.url, `CREATE SCHEMA audit; CREATE TABLE audit.events (id int PRIMARY KEY, actor text);
      INSERT INTO audit.events VALUES (1, 'login by ${ORIGINALS.emails[0]}'), (2, 'nightly job')`);
    await anonymizeDatabase({ connection: { connectionString: db.url }, source: demoRules(), key: KEY, schemas: ['public'] });

    const result = await verifyDatabase({ connection: { connectionString: db.url }, source: demoRules(), key: KEY, schemas: ['public'] });

    // The email, found as itself and as a token a message quoted: both in the one row outside the scope.
    expect(result.findings.map(({ table, column, key }) => `${table}.${column} ${key}`)).toEqual(['audit.events.actor id=1', 'audit.events.actor id=1']);
    expect(result.findings.map((finding) => finding.kind)).toContain('original value of public.users.email');
    expect(result.tablesScanned).toBe(5);
    expect(result.fingerprintsDropped).toBe(false);
  });

  it("finds an original quoted by the database's own objects: functions, views, triggers, defaults, constraints, indexes, policies, publications, comments", async () => {
    const [ann, bob, cara] = ORIGINALS.emails;
    const rules = `${DEMO_RULES}  public.contacts:\n    columns: { first: firstName }\n`;
    const url = await masked(rules, `
      CREATE TABLE contacts (first text); INSERT INTO contacts VALUES ('Roberto');
      CREATE FUNCTION is_vip(e text) RETURNS boolean LANGUAGE sql AS $$ SELECT e IN ('${ann}', 'ceo@acme-corp.io') $$;
      CREATE FUNCTION support_address() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'help@acme-support.io'; END $$;
      CREATE VIEW not_cara AS SELECT id FROM conversations WHERE channel <> '${cara}';
      ALTER TABLE orders ALTER COLUMN status SET DEFAULT '${bob}';
      ALTER TABLE orders ADD CONSTRAINT no_test_user CHECK (order_number <> '${cara}');
      CREATE INDEX real_orders ON orders (placed_at) WHERE order_number <> '${ann}';
      CREATE POLICY staff ON conversations USING (current_user <> '${bob}');
      CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER big_orders BEFORE UPDATE ON orders FOR EACH ROW WHEN (OLD.order_number = '${cara}') EXECUTE FUNCTION noop();
      CREATE DOMAIN reply_to AS text DEFAULT '${ann}';
      CREATE PUBLICATION real_orders_feed FOR TABLE orders WHERE (order_number <> '${bob}') WITH (publish = 'insert');
      COMMENT ON COLUMN orders.total_cents IS 'In cents, as ${ORIGINALS.names[0]} asked';
      COMMENT ON COLUMN orders.placed_at IS 'Roberto wants UTC'`);

    const result = await verify(url, rules);

    // An email a message quoted too is found twice (as a user's, as the message's): one place each.
    const found = placesOf(result.findings);
    expect(found).toEqual([
      'pg_attrdef.adbin default value for column status of table orders',
      'pg_constraint.conbin constraint no_test_user on table orders',
      'pg_description.description column total_cents of table orders',
      'pg_index.indexdef index real_orders',
      'pg_policy.polqual policy staff on table conversations',
      'pg_proc.prosrc function is_vip(text)',
      'pg_publication_rel.prqual publication of table orders in publication real_orders_feed',
      'pg_trigger.tgqual trigger big_orders on table orders',
      'pg_type.typdefault type reply_to',
      'pg_views.definition view not_cara',
    ]);
    expect(new Set(result.findings.map((finding) => finding.kind))).toEqual(new Set([
      'original value of public.users.email', 'original value of public.users.full_name', 'original value of public.messages.body',
    ]));
    // Not reported: a live-looking address in code that is no one's original (code has its own), and
    // a single word (a first name masked elsewhere), as code is full of capitalised words.
    expect(JSON.stringify(result)).not.toContain('support_address');
    expect(JSON.stringify(result)).not.toContain('placed_at');
    expect(JSON.stringify(result)).not.toContain(ann);
  });

  it('searches kept numeric columns and JSON numbers for phones\' digits, and kept inet columns for public addresses, not ids or private addresses', async () => {
    const digits = ORIGINALS.phones[0].replace(/\D/g, '');
    const rules = `${DEMO_RULES}  public.devices:\n    columns: { id: keep, msisdn: keep, amount: keep, peer: keep, gateway: keep, meta: keep }\n`;
    const url = await masked(rules, `CREATE TABLE devices (id int PRIMARY KEY, msisdn numeric(15), amount numeric(12, 2), peer inet, gateway inet, meta jsonb);
      INSERT INTO devices VALUES (1, ${digits}, 12500000.50, '81.2.69.162', '10.0.0.1', '{"contact": {"phone": ${digits}}, "count": 3}'),
        (2, 31000000, 3.50, '2a02:a311:1::5', '192.168.1.1', '{"order": 123456789012}')`);

    const result = await verify(url, rules);

    expect(result.findings.filter(({ table }) => table === 'public.devices').map(({ column, key, kind }) => `${column} ${key} ${kind}`).sort()).toEqual([
      // The demo's messages quote that number too.
      'meta id=1 original value of public.messages.body', 'meta id=1 original value of public.users.phone',
      'msisdn id=1 original value of public.messages.body', 'msisdn id=1 original value of public.users.phone',
      'peer id=1 ipv4 outside reserved fake ranges', 'peer id=2 ipv6 outside reserved fake ranges',
    ]);
  });

  it('searches the words tsvector, xml and hstore columns keep, and the statistics of expression indexes', async () => {
    const [ann, bob, cara] = ORIGINALS.emails;
    const rules = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, body: scrubText, search: keep, doc: keep, attrs: keep }\n`;
    // A trigger keeps search up to date, but no trigger fires while masking: it keeps production's words.
    const url = await masked(rules, `CREATE EXTENSION hstore;
      CREATE TABLE notes (id int PRIMARY KEY, body text, search tsvector, doc xml, attrs hstore);
      CREATE TRIGGER notes_search BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(search, 'pg_catalog.english', body);
      INSERT INTO notes VALUES (1, 'Write to ${ann} today', NULL, '<contact><email>${bob}</email></contact>', 'owner => "${cara}"');
      CREATE INDEX orders_tagged ON orders (lower(order_number || ' ${cara}')); -- its definition quotes her too
      ANALYZE notes; ANALYZE orders`);

    const result = await verify(url, rules);

    const found = placesOf(result.findings);
    expect(found).toEqual([
      'pg_index.indexdef index orders_tagged',
      'public.notes.attrs id=1',
      'public.notes.doc id=1',
      'public.notes.search id=1',
      'public.notes.search pg_stats',
      'public.orders.index orders_tagged (lower) pg_stats',
    ]);
    expect(JSON.stringify(result)).not.toContain(ann);
  });

  it('searches row types as free text, bytes without a zero byte as kept text, and binary bytes for originals only', async () => {
    const [ann, bob, cara] = ORIGINALS.emails;
    const rules = `${DEMO_RULES}  public.files:\n    columns: { id: keep, owner: keep, owners: keep, doc: keep, scan: keep }\n`;
    const url = await masked(rules, `CREATE TYPE contact AS (name text, email text);
      CREATE TABLE files (id int PRIMARY KEY, owner contact, owners contact[], doc bytea, scan bytea);
      INSERT INTO files VALUES
        (1, ROW('Ann', '${ann}'), ARRAY[ROW('Bob', '${bob}')::contact], convert_to('{"to":"${cara}"}', 'UTF8'), '\\x00ff' || convert_to('${ann}', 'UTF8')),
        (2, ROW('Zed', 'zed.live@gmail.com'), NULL, convert_to('reply to zed.live@gmail.com', 'UTF8'), '\\x0012' || convert_to('zed.live@gmail.com 4111111111111111', 'UTF8'))`);

    const result = await verify(url, rules);

    const files = result.findings.filter(({ table, key }) => table === 'public.files' && key !== 'pg_stats');
    // The binary scan of row 2 quotes no original: the email and card number the detectors would read
    // there could be random bytes of an image.
    expect(placesOf(files)).toEqual(['doc id=1', 'doc id=2', 'owner id=1', 'owner id=2', 'owners id=1', 'scan id=1'].map((place) => `public.files.${place}`));
    // The first message quotes these emails too, so some are also reported as its originals.
    expect(files).toEqual(expect.arrayContaining([
      { table: 'public.files', column: 'doc', key: 'id=1', kind: 'original value of public.users.email' },
      { table: 'public.files', column: 'doc', key: 'id=2', kind: 'email outside reserved fake ranges' },
      { table: 'public.files', column: 'owner', key: 'id=1', kind: 'original value of public.users.email' },
      { table: 'public.files', column: 'owner', key: 'id=2', kind: 'email outside reserved fake ranges' },
      { table: 'public.files', column: 'owners', key: 'id=1', kind: 'original value of public.users.email' },
      { table: 'public.files', column: 'scan', key: 'id=1', kind: 'original value of public.users.email' },
    ]));
    expect(JSON.stringify(result)).not.toContain(ann);
  });

  it('fingerprints the emails and numbers masked row types and bytes quoted, so a copy kept elsewhere is named as their original', async () => {
    const rules = `${DEMO_RULES}  public.vault:\n    columns: { id: keep, owner: "null", owners: "null", raw: "null" }\n  public.notes:\n    columns: { id: keep, body: keep }\n`;
    const url = await masked(rules, `CREATE TYPE contact AS (name text, email text);
      CREATE TABLE vault (id int PRIMARY KEY, owner contact, owners contact[], raw bytea);
      INSERT INTO vault VALUES (1, ROW('Dee', 'dee.only@vault.io'), ARRAY[ROW('Eve', 'eve.only@vault.io')::contact], '\\x00' || convert_to('call +44 7700 900999', 'UTF8'));
      CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO notes VALUES (1, 'dee.only@vault.io'), (2, 'write to eve.only@vault.io'), (3, 'ring +44 7700-900-999')`);

    const result = await verify(url, rules);

    expect(result.findings.filter(({ table }) => table === 'public.notes')).toEqual([
      { table: 'public.notes', column: 'body', key: 'id=1', kind: 'original value of public.vault.owner' },
      { table: 'public.notes', column: 'body', key: 'id=2', kind: 'original value of public.vault.owners' },
      { table: 'public.notes', column: 'body', key: 'id=3', kind: 'original value of public.vault.raw' },
    ]);
  });

  it('reports every column without a rule as a finding', async () => {
    const url = await masked();
    await query(url, 'ALTER TABLE users ADD COLUMN nickname text');

    const result = await verify(url);

    expect(result.findings).toEqual([{ table: 'public.users', column: 'nickname', key: '', kind: 'column has no rule' }]);
  });

  it('refuses to pass with another key (bad input, exit 2) or without fingerprints (exit 1), since it could not recognise originals', async () => {
    const url = await masked();

    const wrongKey = verify(url, DEMO_RULES, OTHER_KEY);
    await expect(wrongKey).rejects.toThrow(ConfigError);
    await expect(wrongKey).rejects.toThrow(/masking key differs .*REHEARSAL_MASKING_KEY or --key-file/);
    await verify(url);
    await expect(verify(url)).rejects.toThrow(CheckFailedError);
  });
});

/** Where findings are, each place once, sorted: `table.column key` (a value found twice, as two originals, is one place). */
function placesOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map(({ table, column, key }) => `${table}.${column} ${key}`))].sort();
}

describe('mostlyDistinctColumns', () => {
  const name = uniqueName('distinct');
  afterAll(() => dropDatabases(name));

  it('names the scalar text columns whose values, NULLs aside, are almost all distinct by the statistics, and none of a table without statistics', async () => {
    const url = await createDatabase(name);
    // No autovacuum: its analyze could give the table statistics before the first look (a suite under load saw it once).
    await query(url, `CREATE TABLE contacts (id int PRIMARY KEY, email text, status text, tags text[], bio text) WITH (autovacuum_enabled = false);
      INSERT INTO contacts SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'user' || i || '@x.org' END, 'active', ARRAY['a' || i], 'Hello ' || (i % 3)
        FROM generate_series(1, 2000) AS i`);
    const table = async () => {
      const client = new pg.Client(url);
      await client.connect();
      try {
        const catalog = await readCatalog(client);
        return [...await mostlyDistinctColumns(client, catalog.get('public.contacts') as TableInfo)].sort();
      } finally {
        await client.end();
      }
    };

    expect(await table()).toEqual([]);
    await query(url, 'ANALYZE contacts');
    // A fifth of the emails are NULL: the rest are all distinct. The array is never a scalar column.
    expect(await table()).toEqual(['email']);
  });
});

describe('phoneSizedNumberColumns', () => {
  const name = uniqueName('numbers');
  afterAll(() => dropDatabases(name));

  it('names the kept bigint columns holding values of 8 digits or more by the statistics, or without statistics, and no masked one', async () => {
    const url = await createDatabase(name);
    // No autovacuum: its analyze could give the table statistics before the first look.
    await query(url, `CREATE TABLE contacts (id bigint PRIMARY KEY, wa_id bigint, amount bigint, masked bigint, small int) WITH (autovacuum_enabled = false);
      INSERT INTO contacts SELECT i, 14155550000 + i, i * 100, 14155550000 + i, i FROM generate_series(1, 2000) AS i`);
    const columns = async () => {
      const client = new pg.Client(url);
      await client.connect();
      try {
        const table = (await readCatalog(client)).get('public.contacts') as TableInfo;
        const masked = table.columns.filter((column) => column.name === 'masked')
          .map((column) => ({ column, rule: { strategy: 'phone' as const }, unique: false, root: column, rootId: 'public.contacts.masked' }));
        return [...await phoneSizedNumberColumns(client, { table, truncate: false, masked })].sort();
      } finally {
        await client.end();
      }
    };

    expect(await columns()).toEqual(['amount', 'id', 'wa_id']);
    await query(url, 'ANALYZE contacts');
    expect(await columns()).toEqual(['wa_id']);
  });
});
