import pg from 'pg';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { verifyDatabase } from '../../../shared/verify/verify';
import { phrasesSql } from '../../../shared/anonymize/sql/candidates';
import { MAX_HITS, patternPerText } from '../../../shared/anonymize/known-value-hits';
import { installMaskSchema } from '../../../shared/anonymize/mask-schema';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { maskSchemaSession } from '../../support/mask-session';
import { KEY } from './fixtures';

const ORIGINAL = { username: 'anna_ws42', street: '12 Harbour Lane', city: 'Kirkwall', postcode: 'YO21 3PU' };
const NOTE = `Parcel for ${ORIGINAL.username} to ${ORIGINAL.street}, ${ORIGINAL.city} ${ORIGINAL.postcode}. Call before noon.`;

const rules = (noteRule: string) => parseRulesText(`tables:
  public.customers:
    columns: { id: keep, username: username, street: street, city: city, postcode: postcode }
  public.notes:
    columns: { id: keep, customer_id: keep, body: ${noteRule} }
`, 'rules.yaml');

async function customerDatabase(): Promise<{ name: string; url: string }> {
  const name = uniqueName('known');
  const url = await createDatabase(name);
  await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
    CREATE TABLE customers (id bigint PRIMARY KEY, username text NOT NULL, street text, city text, postcode text);
    CREATE TABLE notes (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), body text)`);
  await query(url, 'INSERT INTO customers VALUES (1, $1, $2, $3, $4)', [ORIGINAL.username, ORIGINAL.street, ORIGINAL.city, ORIGINAL.postcode]);
  await query(url, 'INSERT INTO notes VALUES (1, 1, $1)', [NOTE]);
  return { name, url };
}

/**
 * A new database marked as rehearsal's candidate, built by `schema`, recorded in `created` (for the
 * describe block's clean-up); `options` as CREATE DATABASE takes them (a ctype). Returns its URL.
 */
async function candidateDatabase(prefix: string, created: string[], schema: string, options?: string): Promise<string> {
  const name = uniqueName(prefix);
  created.push(name);
  const url = await createDatabase(name, options);
  await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate'; ${schema}`);
  return url;
}

/**
 * A candidate database of the name tests' tables (see {@link nameRules}): customers with the full names
 * `names`, and notes with the bodies `notes`, in order (ids from 1). Recorded in `created`. Returns its URL.
 */
async function customerNotesDatabase(prefix: string, created: string[], names: readonly string[], notes: readonly string[]): Promise<string> {
  const url = await candidateDatabase(prefix, created, `
    CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL);
    CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
  await query(url, 'INSERT INTO customers SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [names]);
  await query(url, 'INSERT INTO notes SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [notes]);
  return url;
}

/** The name tests' customers' full names (masked, once anonymize ran), by id. */
const fakesOf = async (url: string): Promise<string[]> =>
  (await query<{ full_name: string }>(url, 'SELECT full_name FROM customers ORDER BY id')).map((row) => row.full_name);
/** The name tests' notes' bodies, by id. */
const bodiesOf = async (url: string): Promise<string[]> => (await query<{ body: string }>(url, 'SELECT body FROM notes ORDER BY id')).map((row) => row.body);

/**
 * Anonymizes the name tests' database with names masked and notes kept, verifies it, and returns the
 * findings in rows (those in the planner's statistics, row `pg_stats`, left out).
 */
async function keptNameFindings(url: string): Promise<{ key: string; kind: string }[]> {
  await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });
  const verified = await verifyDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });
  return verified.findings.filter(({ key }) => key !== 'pg_stats');
}

/** Findings as lines (`id=1 original value of public.customers.full_name`), sorted. */
const findingLines = (findings: readonly { key: string; kind: string }[]): string[] => findings.map(({ key, kind }) => `${key} ${kind}`).sort();
/** What verify reports for the notes of `ids` quoting a customer's full name, as {@link findingLines} writes them. */
const fullNameFindings = (...ids: number[]): string[] => ids.map((id) => `id=${id} original value of public.customers.full_name`);

/** Rules masking customers' full names, with `bodyRule` for the free text of notes (the name tests' tables). */
const nameRules = (bodyRule: string) => parseRulesText(`tables:
  public.customers:
    columns: { id: keep, full_name: fullName }
  public.notes:
    columns: { id: keep, body: ${bodyRule} }
`, 'rules.yaml');

describe('values masked elsewhere, quoted in free text', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('gives a quoted username, street, city and postcode the very fakes their columns get, and verify passes', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });

    const [customer] = await query<typeof ORIGINAL>(url, 'SELECT username, street, city, postcode FROM customers');
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes');
    expect(note?.body).toBe(`Parcel for ${customer?.username} to ${customer?.street}, ${customer?.city} ${customer?.postcode}. Call before noon.`);
    for (const value of Object.values(ORIGINAL)) expect(note?.body).not.toContain(value);
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });
    expect(verified.findings).toEqual([]);
  });

  it('finds them in a JSON string after an escaped line break (in the document\'s text, `\\n12 Harbour Lane`), and verify passes', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);
    await query(url, 'ALTER TABLE notes ADD COLUMN payload jsonb');
    await query(url, `UPDATE notes SET body = 'Call before noon.', payload = jsonb_build_object('message', E'Parcel:\\n' || $1 || E'\\n' || $2)`, [ORIGINAL.street, ORIGINAL.city]);
    const source = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, username: username, street: street, city: city, postcode: postcode }
  public.notes:
    columns: { id: keep, customer_id: keep, body: scrubText, payload: { strategy: json, paths: { "$.message": scrubText } } }
`, 'rules.yaml');

    await anonymizeDatabase({ connection: { connectionString: url }, source, key: KEY });

    const [row] = await query<{ message: string; street: string; city: string }>(url,
      "SELECT n.payload ->> 'message' AS message, c.street, c.city FROM notes n JOIN customers c ON c.id = n.customer_id");
    expect(row?.message).toBe(`Parcel:\n${row?.street}\n${row?.city}`);
    expect((await verifyDatabase({ connection: { connectionString: url }, source, key: KEY })).findings).toEqual([]);
  });

  it('finds them in JSON written compactly as text, with no space between its strings, and verify passes', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);
    const compact = JSON.stringify({ line1: ORIGINAL.street, city: ORIGINAL.city, postcode: ORIGINAL.postcode, user: ORIGINAL.username });
    await query(url, 'UPDATE notes SET body = $1', [compact]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });

    const [customer] = await query<typeof ORIGINAL>(url, 'SELECT username, street, city, postcode FROM customers');
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes');
    expect(JSON.parse(note?.body ?? '')).toEqual({ line1: customer?.street, city: customer?.city, postcode: customer?.postcode, user: customer?.username });
    expect((await verifyDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('leaves a value quoted only inside base64 to verify, which reports it', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);
    await query(url, `UPDATE notes SET body = 'body=' || encode(convert_to('Deliver to ' || $1, 'UTF8'), 'base64')`, [ORIGINAL.street]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });

    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });
    expect(verified.findings).toEqual([{ table: 'public.notes', column: 'body', key: 'id=1', kind: 'original value of public.customers.street (base64-encoded)' }]);
  });

  it('has verify find those values in text no rule masked, naming the column they came from', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('keep'), key: KEY });

    expect(verified.findings.map(({ kind }) => kind).sort()).toEqual([
      'original value of public.customers.city', 'original value of public.customers.postcode',
      'original value of public.customers.street', 'original value of public.customers.username',
    ]);
    expect(new Set(verified.findings.map(({ table, column, key }) => `${table}.${column} ${key}`))).toEqual(new Set(['public.notes.body id=1']));
    expect(JSON.stringify(verified)).not.toContain(ORIGINAL.street);
  });
});

describe('the phrases free text is searched for known streets, cities and postcodes', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('records the originals free text quotes and the names a fake could be, not every original', async () => {
    const url = await candidateDatabase('quoted', created, `
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL, city text);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
    // Tobias Quent and Kirkwall are quoted; James Wilson is made of dictionary words (a fake could be him); the rest is neither.
    await query(url, `INSERT INTO customers VALUES (1, 'Tobias Quent', 'Kirkwall'), (2, 'Marta Vell', 'Lerwick'), (3, 'James Wilson', 'Stromness')`);
    await query(url, `INSERT INTO notes VALUES (1, 'Tobias Quent moved to Kirkwall.')`);
    const source = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, full_name: fullName, city: city }
  public.notes:
    columns: { id: keep, body: scrubText }
`, 'rules.yaml');

    await anonymizeDatabase({ connection: { connectionString: url }, source, key: KEY });

    const known = await query<{ kind: string; shaped: boolean; quoted: boolean }>(url,
      'SELECT kind, shaped, quoted FROM rehearsal_mask.known_values ORDER BY kind COLLATE "C", shaped, quoted');
    expect(known).toEqual([
      { kind: 'city', shaped: false, quoted: true },
      { kind: 'firstName', shaped: false, quoted: true }, { kind: 'firstName', shaped: true, quoted: false },
      { kind: 'fullName', shaped: false, quoted: true }, { kind: 'fullName', shaped: true, quoted: false },
      { kind: 'lastName', shaped: false, quoted: true }, { kind: 'lastName', shaped: true, quoted: false },
    ]);
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes');
    const [tobias] = await query<{ full_name: string; city: string }>(url, 'SELECT full_name, city FROM customers WHERE id = 1');
    expect(note?.body).toBe(`${tobias?.full_name} moved to ${tobias?.city}.`);
  });

  it('searches free text for phrases as long as the longest original street, words parted by tabs or Unicode spaces counted too', async () => {
    const phraseSearch = async (streets: readonly string[]) => {
      const name = uniqueName('words');
      created.push(name);
      const url = await createDatabase(name);
      await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
        CREATE TABLE customers (id bigint PRIMARY KEY, street text);
        CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
      await query(url, 'INSERT INTO customers SELECT i, s FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i)', [streets]);
      await anonymizeDatabase({ connection: { connectionString: url }, source: parseRulesText(`tables:
  public.customers:
    columns: { id: keep, street: street }
  public.notes:
    columns: { id: keep, body: scrubText }
`, 'rules.yaml'), key: KEY });
      return query<{ words: number; usernames: boolean }>(url, 'SELECT words, usernames FROM rehearsal_mask.phrase_search');
    };

    expect(await phraseSearch(['12 Harbour Lane', 'Mill Road'])).toEqual([{ words: 3, usernames: false }]);
    expect(await phraseSearch(['Flat 3\u2003Harbour Lane', 'Mill Road'])).toEqual([{ words: 4, usernames: false }]);
    expect(await phraseSearch(['Flat 3\tHarbour\nLane', 'Mill Road'])).toEqual([{ words: 4, usernames: false }]);
  });

  // Each customer quoted gives up to 5 known values (street, city, full name and its 2 words). One pattern of
  // them all for up to 5 (FEW_HITS), and up to 25 (MAX_HITS) quoted by more than 100 texts (FEW_TEXTS);
  // otherwise a pattern per text, found by the list of their keys first when at most 100 texts quote them.
  it.each([
    ['one pattern: 1 customer in 1 note', '', 1, 1],
    ['one pattern: 4 customers in 120 notes', '', 4, 120],
    ['patterns per text, by their keys: 4 customers in 8 notes', '', 4, 8],
    ['patterns per text, by their keys: 30 customers in 30 notes', '', 30, 30],
    ['patterns per text: 125 customers in 125 notes', '', MAX_HITS + 100, MAX_HITS + 100],
    ['patterns per text, in batches of 50 rows: 125 customers in 125 notes', 'batchRows: 50\n', MAX_HITS + 100, MAX_HITS + 100],
  ])('replaces each value quoted, with its own fake, whichever way the quoted values are looked for, and verify passes: %s', async (_, batches, customers, notes) => {
    const name = uniqueName('many');
    created.push(name);
    const url = await createDatabase(name);
    // Distinct names and cities of letters only (`Ines Qbcd`, `Glenbcd`: a digit would end a name's run of letters),
    // and streets that start with a number (`17 Harbourbh Road`), which no run of capitalised words holds.
    await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL, street text, city text);
      CREATE TABLE notes (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), body text);
      INSERT INTO customers SELECT i, 'Ines Q' || w, (i % 90 + 10) || ' Harbour' || w || ' Road', 'Glen' || w
        FROM generate_series(1, ${customers}) AS i, translate(i::text, '0123456789', 'abcdefghij') AS w;
      INSERT INTO notes SELECT n, c.id, 'Note ' || n || ': moved to ' || c.street || ', ' || c.city || ', writes ' || c.full_name || '.'
        FROM generate_series(1, ${notes}) AS n JOIN customers c ON c.id = 1 + n % ${customers};
      ANALYZE customers; ANALYZE notes`);
    const source = parseRulesText(`${batches}tables:
  public.customers:
    columns: { id: keep, full_name: fullName, street: street, city: city }
  public.notes:
    columns: { id: keep, customer_id: keep, body: scrubText }
`, 'rules.yaml');

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source, key: KEY });

    expect(result.progress.tables.find(({ table }) => table === 'public.notes')?.mode === 'batched').toBe(batches !== '');
    const wrong = await query<{ id: number; body: string }>(url, `SELECT n.id, n.body FROM notes n JOIN customers c ON c.id = n.customer_id
      WHERE n.body <> 'Note ' || n.id || ': moved to ' || c.street || ', ' || c.city || ', writes ' || c.full_name || '.' ORDER BY n.id LIMIT 3`);
    expect(wrong).toEqual([]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source, key: KEY })).findings).toEqual([]);
  });

  it('gives each text a pattern of its own when one of them all would hold more than 25 values, or more than 5 quoted by at most 100 texts', () => {
    expect([[5, 1], [6, 100], [6, 101], [25, 1000], [26, 1000]].map(([hits = 0, texts = 0]) => patternPerText(hits, texts)))
      .toEqual([false, true, false, false, true]);
  });

  it('replaces them in array elements, JSON paths, whole JSON documents, and inside base64 when quoted in clear too, when each text gets its own pattern, and verify passes', async () => {
    const name = uniqueName('manyshapes');
    created.push(name);
    const url = await createDatabase(name);
    const count = MAX_HITS + 100;
    // What each note quotes, written from its customer's columns: the same SQL gives what it must become.
    const quoting = (c: string) => ({
      tags: `ARRAY['to ' || ${c}.city, 'for ' || ${c}.full_name]`,
      payload: `jsonb_build_object('message', 'Deliver to ' || ${c}.street, 'n', ${c}.id)`,
      doc: `jsonb_build_object('from', ${c}.full_name)`,
      raw: `'body=' || replace(encode(convert_to('Deliver to ' || ${c}.street || ' for ' || ${c}.full_name, 'UTF8'), 'base64'), E'\\n', '')`,
    });
    await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL, street text, city text);
      CREATE TABLE notes (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), tags text[], payload jsonb, doc jsonb, raw text);
      INSERT INTO customers SELECT i, 'Ines Q' || w, (i % 90 + 10) || ' Harbour' || w || ' Road', 'Glen' || w
        FROM generate_series(1, ${count}) AS i, translate(i::text, '0123456789', 'abcdefghij') AS w;
      INSERT INTO notes SELECT c.id, c.id, ${Object.values(quoting('c')).join(', ')} FROM customers c`);
    const source = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, full_name: fullName, street: street, city: city }
  public.notes:
    columns: { id: keep, customer_id: keep, tags: scrubText, payload: { strategy: json, paths: { "$.message": scrubText } }, doc: scrubText, raw: scrubText }
`, 'rules.yaml');

    await anonymizeDatabase({ connection: { connectionString: url }, source, key: KEY });

    // Per column, the notes (at most 3) that differ from what their customer's fakes make.
    const wrong = Object.fromEntries(await Promise.all(Object.entries(quoting('c')).map(async ([column, expected]) => [column,
      (await query<{ id: string }>(url, `SELECT n.id FROM notes n JOIN customers c ON c.id = n.customer_id
        WHERE n.${column} IS DISTINCT FROM ${expected} ORDER BY n.id LIMIT 3`)).map(({ id }) => id)])));
    expect(wrong).toEqual({ tags: [], payload: [], doc: [], raw: [] });
    expect((await verifyDatabase({ connection: { connectionString: url }, source, key: KEY })).findings).toEqual([]);
  });

  it('takes one to N words of each run of words starting with a capital or digit, from a word\'s start, across tabs and line breaks', async () => {
    const name = uniqueName('phrases');
    created.push(name);
    const url = await createDatabase(name);
    const text = 'Parcel to 12 Harbour Lane,\tKirkwall\nYO21 3PU via iPhone for ord99 Main';

    const client = new pg.Client(url);
    await client.connect();
    const rows = await installMaskSchema(client, { ownTransaction: true })
      .then(async () => (await client.query<{ tok: string }>(phrasesSql('(SELECT $1::text AS v) AS src', 'src.v', 'src.v', { words: 3, usernames: false }), [text])).rows)
      .finally(() => client.end());

    expect(rows.map(({ tok }) => tok).sort()).toEqual([
      '12 Harbour', '12 Harbour Lane', 'Harbour', 'Harbour Lane', 'Harbour Lane, Kirkwall', 'Kirkwall', 'Kirkwall YO21', 'Kirkwall YO21 3PU',
      'Lane', 'Lane, Kirkwall', 'Lane, Kirkwall YO21', 'YO21', 'YO21 3PU', '3PU', 'Parcel', 'Main',
    ].sort());
    // Inside a word no run starts: `iPhone` gives no `Phone`, `ord99 Main` no `99 Main`.
    expect(rows.map(({ tok }) => tok)).not.toContain('Phone');
  });
});

/** A customer's address, as the place tests' customers hold it. */
interface Place { readonly street: string; readonly city: string; readonly postcode: string }

/**
 * A candidate database of customers at `places` and notes with the bodies `notes` (ids from 1), recorded
 * in `created` (the place tests' tables, see {@link placeRules}). Returns its URL.
 */
async function customerPlacesDatabase(created: string[], places: readonly Place[], notes: readonly string[]): Promise<string> {
  const url = await candidateDatabase('places', created, `
    CREATE TABLE customers (id bigint PRIMARY KEY, street text, city text, postcode text);
    CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
  await query(url, `INSERT INTO customers SELECT i, p ->> 'street', p ->> 'city', p ->> 'postcode' FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS u(p, i)`, [JSON.stringify(places)]);
  await query(url, 'INSERT INTO notes SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [notes]);
  return url;
}
/** Rules masking customers' streets, cities and postcodes, with `bodyRule` for the free text of notes (the place tests' tables). */
const placeRules = (bodyRule: string) => parseRulesText(`tables:
  public.customers:
    columns: { id: keep, street: street, city: city, postcode: postcode }
  public.notes:
    columns: { id: keep, body: ${bodyRule} }
`, 'rules.yaml');
/** The place tests' customers' addresses, by id (their fakes, once masked). */
const fakePlacesOf = async (url: string): Promise<Place[]> => query<Place>(url, 'SELECT street, city, postcode FROM customers ORDER BY id');

describe('streets, cities and postcodes typed in small letters, run together, or with small words inside (ship to 12 harbour lane)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const PLACES = [
    { street: '12 Harbour Lane', city: 'Kirkwall', postcode: 'YO21 3PU' },
    { street: '4 Rue de la Paix', city: 'Saint-Étienne', postcode: 'K1A 0B1' },
    { street: '7 High Street', city: 'Hope', postcode: 'EH1 2NG' },
  ] as const;
  const NOTES = [
    'ship to 12 harbour lane please', 'i live in kirkwall', 'yo21 3pu', 'my postcode is YO213PU', 'moving to saint-étienne soon',
    'Deliver to 4 Rue de la Paix.', 'k1a0b1 is it', 'i moved to hope last year', 'from saint-etienne', 'no hope left, i hope so', 'high street 7 is not one',
  ] as const;

  /** A candidate database of customers at `places` and notes with the bodies `notes` (ids from 1). Returns its URL. */
  const placesDatabase = (places: readonly Place[] = PLACES, notes: readonly string[] = NOTES): Promise<string> => customerPlacesDatabase(created, places, notes);

  it('replaces each with its column\'s fake written the same way (a fake when run together), leaves a common word no cue calls a place, and verify passes', async () => {
    const url = await placesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY });

    const [[first, second, third], bodies] = [await fakePlacesOf(url), await bodiesOf(url)];
    expect(bodies.slice(0, 3)).toEqual([`ship to ${first?.street.toLowerCase()} please`, `i live in ${first?.city.toLowerCase()}`, first?.postcode.toLowerCase()]);
    expect(bodies[3]).toMatch(/^my postcode is [A-Z]{2}[0-9]{3}[A-Z]{2}$/);
    expect(bodies.slice(4, 6)).toEqual([`moving to ${second?.city.toLowerCase()} soon`, `Deliver to ${second?.street}.`]);
    expect(bodies[6]).toMatch(/^[a-z][0-9][a-z][0-9][a-z][0-9] is it$/);
    expect(bodies[7]).toBe(`i moved to ${third?.city.toLowerCase()} last year`);
    // Typed without its accent: a fake, not the column's.
    expect(bodies[8]).toMatch(/^from [a-z]+$/);
    expect(bodies.slice(9)).toEqual(NOTES.slice(9));
    const replaced = bodies.slice(0, 9).join('\n').toLowerCase();
    for (const value of [...PLACES.flatMap((place) => Object.values(place)), 'yo213pu', 'k1a0b1', 'saint-etienne']) expect(replaced).not.toContain(value.toLowerCase());
    expect((await verifyDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('finds them in a text of hundreds of words, at its start and end too, as in the short texts it is made of', async () => {
    // A street's head word first in the text: the phrase it would be starts before the text.
    const short = ['harbour lane is where', ...NOTES.slice(0, 9)];
    const filler = Array.from({ length: 80 }, (_, i) => `line ${i} of the weekly report, nothing new here`).join('\n');
    const long = `${short.join('\n')}\n${filler}\n${short.join('\n')}`;
    expect(long.split(/\s+/).length).toBeGreaterThan(600);
    const url = await placesDatabase(PLACES, [...short, long]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY });

    const bodies = await bodiesOf(url);
    const scrubbed = bodies.slice(0, short.length).join('\n');
    expect(bodies[short.length]).toBe(`${scrubbed}\n${filler}\n${scrubbed}`);
    expect(scrubbed).not.toContain('kirkwall');
    expect((await verifyDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces a place read after a cue only in the texts quoting it so, not wherever its word stands', async () => {
    const url = await placesDatabase(PLACES, ['i moved to hope last year', 'no hope left', 'i hope so']);

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY });

    const [, , third] = await fakePlacesOf(url);
    expect(await bodiesOf(url)).toEqual([`i moved to ${third?.city.toLowerCase()} last year`, 'no hope left', 'i hope so']);
  });

  it('has verify find each kept in text, and not text quoting none', async () => {
    const url = await placesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: placeRules('keep'), key: KEY });

    const found = verified.findings.filter(({ key }) => key !== 'pg_stats').map(({ key, kind }) => `${key} ${kind.replace('original value of public.customers.', '')}`);
    expect(found.sort()).toEqual(['id=1 street', 'id=2 city', 'id=3 postcode', 'id=4 postcode', 'id=5 city', 'id=6 street', 'id=7 postcode', 'id=8 city', 'id=9 city'].sort());
  });
});

describe('postcodes of digits only (US ZIP codes, German PLZ) quoted in text after their cue, after a state\'s code, on an address line (after a comma or a line break), or alone', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const PLACES = [
    { street: '12 Harbour Lane', city: 'Kirkwall', postcode: '94107' },
    { street: '4 Long Road', city: 'Berlin', postcode: '10115' },
    { street: '1 Rue Neuve', city: 'Paris', postcode: '75001' },
    { street: '9 Rua Augusta', city: 'Santos', postcode: '01310-100' },
  ] as const;
  const NOTES = [
    'my zip code is 94107', '94107', 'PLZ: 10115 Berlin', 'San Francisco, CA 94107', 'code postal 75001', 'ZIP: 94107.', 'Musterstraße 5, 10115 Berlin',
    '75001 Paris', 'meu CEP é 01310-100', 'Musterstraße 5\n10115 Berlin', 'Avenue Foch 3\r\n  75001 Paris',
    // Numbers no cue calls a postcode, one of them a postcode quoted so above: kept.
    'order 75001 shipped', 'error code 10115', 'call me at 94107 or later', 'room 10115 Tuesday', '75001 tickets sold', 'shipped\n94107 units',
  ] as const;
  const QUOTING = 11;

  const zipDatabase = (notes: readonly string[] = NOTES): Promise<string> => customerPlacesDatabase(created, PLACES, notes);
  const fakeCodesOf = async (url: string): Promise<string[]> => (await fakePlacesOf(url)).map((place) => place.postcode);
  const fakeCitiesOf = async (url: string): Promise<string[]> => (await fakePlacesOf(url)).map((place) => place.city);

  it('replaces each with its column\'s fake, leaves the same numbers where no cue calls them a postcode, and verify passes', async () => {
    const url = await zipDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY });

    const [[sf, berlin, paris, sao], [, berlinCity, parisCity]] = [await fakeCodesOf(url), await fakeCitiesOf(url)];
    expect(sao).toMatch(/^[0-9]{5}-[0-9]{3}$/);
    expect(await bodiesOf(url)).toEqual([
      `my zip code is ${sf}`, sf, `PLZ: ${berlin} ${berlinCity}`, `San Francisco, CA ${sf}`, `code postal ${paris}`, `ZIP: ${sf}.`, `Musterstraße 5, ${berlin} ${berlinCity}`,
      `${paris} ${parisCity}`, `meu CEP é ${sao}`, `Musterstraße 5\n${berlin} ${berlinCity}`, `Avenue Foch 3\r\n  ${paris} ${parisCity}`, ...NOTES.slice(QUOTING),
    ]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('finds them in a text of hundreds of words, a cue three words before, and there replaces each number it quotes so wherever it stands', async () => {
    const filler = Array.from({ length: 80 }, (_, i) => `line ${i} of the weekly report, nothing new here`).join('\n');
    const long = (code: string) => `${filler}\nmy zip code is ${code}\n${filler}\norder ${code} shipped`;
    expect(long('94107').split(/\s+/).length).toBeGreaterThan(600);
    const url = await zipDatabase([long('94107')]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY });

    const [sf] = await fakeCodesOf(url);
    expect(await bodiesOf(url)).toEqual([long(sf ?? '')]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not the numbers no cue calls a postcode', async () => {
    const url = await zipDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: placeRules('keep'), key: KEY });

    const found = verified.findings.filter(({ key }) => key !== 'pg_stats').map(({ key, kind }) => `${key} ${kind.replace('original value of public.customers.', '')}`);
    expect(found.sort()).toEqual(['id=1 postcode', 'id=2 postcode', 'id=3 city', 'id=3 postcode', 'id=4 postcode', 'id=5 postcode', 'id=6 postcode',
      'id=7 city', 'id=7 postcode', 'id=8 city', 'id=8 postcode', 'id=9 postcode', 'id=10 city', 'id=10 postcode', 'id=11 city', 'id=11 postcode'].sort());
  });

  describe('a ZIP+4 code (94107-1234)', () => {
    const ZIP_PLACES = [{ street: '12 Harbour Lane', city: 'Kirkwall', postcode: '94107' }, { street: '4 Long Road', city: 'Berlin', postcode: '10001-2345' }] as const;
    const ZIP_NOTES = ['San Francisco, CA 94107-1234', 'my zip code is 94107-1234.', 'zip: 10001-2345', 'New York, NY 10001', 'order 94107-1234 shipped'] as const;
    const { one } = maskSchemaSession('zip-plus-four', KEY);

    it('gets its ZIP code\'s fake and four digits, whatever its four digits are; in a column too short for that, a fake of its shape', async () => {
      const zip = await one<string>('rehearsal_mask.postcode($1)', ['94107']);
      const [first, second] = [await one<string>('rehearsal_mask.postcode($1)', ['94107-1234']), await one<string>('rehearsal_mask.postcode($1)', ['94107-9876'])];

      expect(first).toMatch(new RegExp(`^${zip}-[0-9]{4}$`));
      expect(second).toMatch(new RegExp(`^${zip}-[0-9]{4}$`));
      expect(first).not.toBe(second);
      expect(await one<string>('rehearsal_mask.postcode($1, 9)', ['94107-1234'])).toMatch(/^[0-9]{5}-[0-9]{3}$/);
    });


    it('is read as its ZIP code too: a ZIP quoted with four digits after it, or recorded with them and quoted without, gets its ZIP\'s fake, and verify passes', async () => {
      const url = await customerPlacesDatabase(created, ZIP_PLACES, ZIP_NOTES);

      await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY });

      const [sf = '', ny = ''] = await fakeCodesOf(url);
      expect(ny).toMatch(/^[0-9]{5}-[0-9]{4}$/);
      expect(ny.slice(0, 5)).not.toBe('10001');
      expect(await bodiesOf(url)).toEqual([`San Francisco, CA ${sf}-1234`, `my zip code is ${sf}-1234.`, `zip: ${ny}`, `New York, NY ${ny.slice(0, 5)}`, 'order 94107-1234 shipped']);
      expect((await verifyDatabase({ connection: { connectionString: url }, source: placeRules('scrubText'), key: KEY })).findings).toEqual([]);
    });

    it('has verify find each kept in text, with or without its four digits, and not a number no cue calls a postcode', async () => {
      const url = await customerPlacesDatabase(created, ZIP_PLACES, ZIP_NOTES);

      await anonymizeDatabase({ connection: { connectionString: url }, source: placeRules('keep'), key: KEY });
      const verified = await verifyDatabase({ connection: { connectionString: url }, source: placeRules('keep'), key: KEY });

      const found = verified.findings.filter(({ key }) => key !== 'pg_stats').map(({ key, kind }) => `${key} ${kind.replace('original value of public.customers.', '')}`);
      expect(found.sort()).toEqual(['id=1 postcode', 'id=2 postcode', 'id=3 postcode', 'id=4 postcode']);
    });
  });
});

describe('phone numbers quoted as bare numbers (a WhatsApp id), in free text', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const contactRules = (bodyRule: string) => parseRulesText(`tables:
  public.contacts:
    columns: { id: keep, wa_id: phone, phone: phone, alt: phone }
  public.messages:
    columns: { id: keep, body: ${bodyRule} }
`, 'rules.yaml');

  /**
   * `count` contacts, the first with WhatsApp id 16505551234, phone +44 7700 900123 and, kept as an
   * integer, 447911123456; and a message quoting all three bare beside a timestamp and an order number.
   */
  async function contactDatabase(count = 1): Promise<string> {
    const url = await candidateDatabase('bare', created, `
      CREATE TABLE contacts (id bigint PRIMARY KEY, wa_id text, phone text, alt bigint);
      CREATE TABLE messages (id bigint PRIMARY KEY, body text);
      INSERT INTO contacts VALUES (1, '16505551234', '+44 7700 900123', 447911123456);
      INSERT INTO contacts SELECT i, (16505560000 + i)::text, NULL, NULL FROM generate_series(2, ${count}) AS i;
      INSERT INTO messages VALUES (1, 'from 16505551234 at 1749416383, order 12345678901, forwarded to 447700900123, alt 447911123456');
      INSERT INTO messages SELECT i, 'from ' || (16505560000 + i) FROM generate_series(2, ${count}) AS i`);
    return url;
  }

  it('replaces the digits of an original phone with that number\'s fake, leaving timestamps and order numbers', async () => {
    const url = await contactDatabase(50);

    await anonymizeDatabase({ connection: { connectionString: url }, source: contactRules('scrubText'), key: KEY });

    const [contact] = await query<{ wa_id: string; phone: string }>(url, 'SELECT wa_id, phone FROM contacts WHERE id = 1');
    const [message] = await query<{ body: string }>(url, 'SELECT body FROM messages WHERE id = 1');
    expect(message?.body).toMatch(new RegExp(`^from ${contact?.wa_id} at 1749416383, order 12345678901, forwarded to [0-9]{12}, alt [0-9]{12}$`));
    expect(message?.body).not.toContain('447700900123');
    expect(message?.body).not.toContain('447911123456');
    expect(contact?.wa_id).not.toBe('16505551234');
    const leftovers = await query(url, "SELECT id FROM messages WHERE body LIKE 'from 1650556%'");
    expect(leftovers).toEqual([]);
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: contactRules('scrubText'), key: KEY });
    expect(verified.findings).toEqual([]);
  });

  it('has verify find a bare number that is an original phone in kept text, naming its columns, and not the timestamp or order number beside it', async () => {
    const url = await contactDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: contactRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: contactRules('keep'), key: KEY });

    expect(verified.findings.filter(({ key }) => key === 'id=1').map(({ kind }) => kind).sort()).toEqual([
      'original value of public.contacts.alt', 'original value of public.contacts.phone', 'original value of public.contacts.wa_id',
    ]);
  });
});

/** Rules masking contacts' phone numbers, with `bodyRule` for the free text of messages (the phone tests' tables). */
const phoneRules = (bodyRule: string) => parseRulesText(`tables:
  public.contacts:
    columns: { id: keep, phone: phone }
  public.messages:
    columns: { id: keep, body: ${bodyRule} }
`, 'rules.yaml');

describe('North American numbers quoted without their country code, or with it and separators', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  async function usDatabase(): Promise<string> {
    const url = await candidateDatabase('nanp', created, `
      CREATE TABLE contacts (id bigint PRIMARY KEY, phone text);
      CREATE TABLE messages (id bigint PRIMARY KEY, body text);
      INSERT INTO contacts VALUES (1, '+14155552671');
      INSERT INTO messages VALUES (1, 'my number is 4155552671'), (2, 'or call 1-415-555-2671 after 5pm'), (3, 'order 4155550000 shipped')`);
    return url;
  }

  it('replaces both with fakes, leaving a ten-digit order number, and verify passes', async () => {
    const url = await usDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: phoneRules('scrubText'), key: KEY });

    const bodies = (await query<{ body: string }>(url, 'SELECT body FROM messages ORDER BY id')).map((row) => row.body);
    expect(bodies[0]).toMatch(/^my number is [0-9]{10}$/);
    expect(bodies[1]).toMatch(/^or call [0-9]-[0-9]{3}-[0-9]{3}-[0-9]{4} after 5pm$/);
    expect(bodies[2]).toBe('order 4155550000 shipped');
    expect(bodies.join('\n')).not.toMatch(/555.?2671/);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: phoneRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find a kept bigint holding the original phone\'s digits (a WhatsApp id), and not a kept id or amount', async () => {
    const url = await usDatabase();
    await query(url, 'ALTER TABLE contacts ADD COLUMN wa bigint, ADD COLUMN amount bigint; UPDATE contacts SET wa = 14155552671, amount = 1250');

    const withWa = parseRulesText(`tables:
  public.contacts:
    columns: { id: keep, phone: phone, wa: keep, amount: keep }
  public.messages:
    columns: { id: keep, body: scrubText }
`, 'rules.yaml');
    await anonymizeDatabase({ connection: { connectionString: url }, source: withWa, key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: withWa, key: KEY });

    // As the phone's original, and as the number a message quoted.
    expect(verified.findings.map(({ table, column, key, kind }) => `${table}.${column} ${key} ${kind}`).sort()).toEqual([
      'public.contacts.wa id=1 original value of public.contacts.phone', 'public.contacts.wa id=1 original value of public.messages.body',
    ]);
  });

  it('has verify find both in kept text as the original phone, and not the order number', async () => {
    const url = await usDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: phoneRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: phoneRules('keep'), key: KEY });

    expect(verified.findings.filter(({ table }) => table === 'public.messages').map(({ key, kind }) => `${key} ${kind}`).sort()).toEqual([
      'id=1 original value of public.contacts.phone', 'id=2 original value of public.contacts.phone',
    ]);
  });
});

describe('numbers written in their country\'s national form, typed against Chinese or Japanese text, or in a link', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  /** The originals' digits as the messages quote them, none of which may survive. */
  const QUOTED = ['612 345 678', '601-234-567', '13800138000', '699111222', '14158675309', '090-1234-5678'];

  async function worldDatabase(): Promise<string> {
    return candidateDatabase('national', created, `
      CREATE TABLE contacts (id bigint PRIMARY KEY, phone text);
      CREATE TABLE messages (id bigint PRIMARY KEY, body text);
      INSERT INTO contacts VALUES (1, '+34 612 345 678'), (2, '+48 601 234 567'), (3, '+86 138 0013 8000'), (4, '0034 699 111 222'),
        (5, '+1 415 867 5309'), (6, '+81 90 1234 5678');
      INSERT INTO messages VALUES (1, 'mi móvil es 612 345 678'), (2, 'mój numer 601-234-567'), (3, '我的手机13800138000'),
        (4, 'llama al 699111222'), (5, 'whatsapp https://wa.me/14158675309'), (6, '電話は090-1234-5678です'), (7, 'pedido 612 345 679 enviado')`);
  }

  it('replaces each with a fake of its shape, leaves a number no original is, and verify passes', async () => {
    const url = await worldDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: phoneRules('scrubText'), key: KEY });

    const bodies = (await query<{ body: string }>(url, 'SELECT body FROM messages ORDER BY id')).map((row) => row.body);
    expect(bodies.slice(0, 6).map((body) => body.replace(/[0-9]/g, '9'))).toEqual([
      'mi móvil es 999 999 999', 'mój numer 999-999-999', '我的手机99999999999', 'llama al 999999999', 'whatsapp https://wa.me/99999999999', '電話は999-9999-9999です',
    ]);
    for (const quoted of QUOTED) expect(bodies.join('\n')).not.toContain(quoted);
    expect(bodies[6]).toBe('pedido 612 345 679 enviado');
    expect((await verifyDatabase({ connection: { connectionString: url }, source: phoneRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each in kept text, and not the number no original is', async () => {
    const url = await worldDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: phoneRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: phoneRules('keep'), key: KEY });

    const rows = new Set(verified.findings.filter(({ table }) => table === 'public.messages').map(({ key }) => key));
    expect([...rows].sort()).toEqual(['id=1', 'id=2', 'id=3', 'id=4', 'id=5', 'id=6']);
    expect(verified.findings).toContainEqual({ table: 'public.messages', column: 'body', key: 'id=1', kind: 'original value of public.contacts.phone' });
  });
});

describe('names with letters beyond ASCII, in a database whose ctype is C (where [[:upper:]] is A-Z only)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['José Müller', 'Élodie Šimić'] as const;

  async function accentedDatabase(): Promise<string> {
    const url = await candidateDatabase('ctype', created, `
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`, "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
    await query(url, 'INSERT INTO customers VALUES (1, $1), (2, $2)', [...NAMES]);
    await query(url, 'INSERT INTO notes VALUES (1, $1)', [`Call ${NAMES[0]}, then ${NAMES[1].split(' ')[0]}.`]);
    return url;
  }

  it('replaces a quoted accented name, whole or its first name alone, with the fakes the column gives, and verify passes', async () => {
    const url = await accentedDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes');
    expect(note?.body).toMatch(new RegExp(`^Call ${fakes[0]}, then [A-Z][a-z]+\\.$`));
    for (const part of NAMES.flatMap((full) => full.split(' '))) expect(note?.body).not.toContain(part);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find the accented name quoted in kept text', async () => {
    const url = await accentedDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });

    expect(verified.findings.filter(({ key }) => key === 'id=1').map(({ table, kind }) => `${table} ${kind}`)).toEqual(['public.notes original value of public.customers.full_name']);
  });
});

describe('names written as JSON escapes (Python\'s json.dumps: Zo\\u00eb M\\u00fcller) in text', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  async function escapedDatabase(): Promise<string> {
    const url = await candidateDatabase('escaped', created, `
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
    await query(url, "INSERT INTO customers VALUES (1, 'Zoë Müller'), (2, 'Ann Smithers')");
    // As json.dumps writes it by default: every letter beyond ASCII escaped.
    await query(url, 'INSERT INTO notes VALUES (1, $1), (2, $2)', ['{"name": "Zo\\u00eb M\\u00fcller", "text": "hi"}', '{"note": "caf\\u00e9 order"}']);
    return url;
  }

  it('replaces the escaped name with its fake, keeps other escapes as written, and verify passes', async () => {
    const url = await escapedDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [fake] = (await query<{ full_name: string }>(url, 'SELECT full_name FROM customers WHERE id = 1')).map((row) => row.full_name);
    const notes = await bodiesOf(url);
    expect(notes).toEqual([`{"name": "${fake}", "text": "hi"}`, '{"note": "caf\\u00e9 order"}']);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces each text\'s escaped names when texts get patterns of their own (more than five names quoted)', async () => {
    const url = await candidateDatabase('escaped', created, `
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
    const names = ['Zoë Müller', 'Åsa Öberg', 'Søren Kierkegård', 'Inès Lefèvre', 'Míša Dvořák', 'Łukasz Wójcik', 'Ærin Þórsdóttir', 'Niño Peña'];
    await query(url, 'INSERT INTO customers SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [names]);
    const escaped = (name: string): string => name.replace(/[^ -~]/g, (letter) => `\\u${letter.charCodeAt(0).toString(16).padStart(4, '0')}`);
    await query(url, 'INSERT INTO notes SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [names.map((name) => `{"from":"${escaped(name)}"}`)]);
    expect((await query<{ body: string }>(url, 'SELECT body FROM notes WHERE id = 1'))[0]?.body).toBe('{"from":"Zo\\u00eb M\\u00fcller"}');

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const notes = await bodiesOf(url);
    expect(notes).toEqual(fakes.map((fake) => `{"from":"${fake}"}`));
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find an escaped name kept in text, saying it was JSON-escaped, and nothing in other escapes', async () => {
    const url = await escapedDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });

    expect(verified.findings).toEqual([
      { table: 'public.notes', column: 'body', key: 'id=1', kind: 'original value of public.customers.full_name (JSON-escaped)' },
    ]);
  });
});

describe('names with capitals inside their words (McDonald, DeShawn, LaRue) or an apostrophe (O\'Connor)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Ann McDonald', "Liam O'Connor", 'DeShawn LaRue', 'Ciara O\u2019Brien'] as const;
  const NOTES = ['Hi, Ann McDonald here', 'Mrs McDonald asked about her refund', "Regards, Liam O'Connor", 'DeShawn LaRue here',
    "sure, DeShawn's order please", 'Thanks, Ciara O\u2019Brien'] as const;

  async function namesDatabase(): Promise<string> {
    return customerNotesDatabase('capitals', created, NAMES, NOTES);
  }

  it('replaces each quoted name, whole or its last name alone, with the fakes the column gives, and verify passes', async () => {
    const url = await namesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies[0]).toBe(`Hi, ${fakes[0]} here`);
    expect(bodies[2]).toBe(`Regards, ${fakes[1]}`);
    expect(bodies[3]).toBe(`${fakes[2]} here`);
    expect(bodies[5]).toBe(`Thanks, ${fakes[3]}`);
    for (const part of ['McDonald', "O'Connor", 'DeShawn', 'LaRue', 'O\u2019Brien']) expect(bodies.join('\n')).not.toContain(part);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each whole name quoted in kept text', async () => {
    const url = await namesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: nameRules('keep'), key: KEY });

    expect(verified.findings.map(({ key }) => key).sort()).toEqual(['id=1', 'id=3', 'id=4', 'id=6']);
  });
});

describe('names written in capitals (a card\'s holder, a form, a shouting user)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', "Liam O'Connor"] as const;
  const NOTES = ['NAME: MARGUERITE OKONKWO', "Cardholder LIAM O'CONNOR, exp 12/27", 'PLEASE CALL ME BACK, OK?'] as const;

  async function namesDatabase(): Promise<string> {
    return customerNotesDatabase('shouting', created, NAMES, NOTES);
  }

  it('replaces each with its column\'s fake written in capitals, leaves capitals that quote no one, and verify passes', async () => {
    const url = await namesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies).toEqual([`NAME: ${fakes[0]?.toUpperCase()}`, `Cardholder ${fakes[1]?.toUpperCase()}, exp 12/27`, NOTES[2]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each name in capitals kept in text, and not the capitals that quote no one', async () => {
    const url = await namesDatabase();

    const findings = await keptNameFindings(url);

    expect(findings.map(({ key, kind }) => [key, kind]).sort())
      .toEqual([['id=1', 'original value of public.customers.full_name'], ['id=2', 'original value of public.customers.full_name']]);
  });
});

describe('full names typed in small letters, or in other capitals than their column\'s (hi im marguerite okonkwo)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', 'Desmond Pakenham', 'Ana Lucía Pérez'] as const;
  const NOTES = ['hi im marguerite okonkwo, thanks', 'hello\ndesmond pakenham called', 'Marguerite okonkwo here', 'soy ana lucía pérez', 'all about will power'] as const;

  async function namesDatabase(names: readonly string[] = NAMES, notes: readonly string[] = NOTES): Promise<string> {
    return customerNotesDatabase('recased', created, names, notes);
  }


  it('replaces one in small letters with its column\'s fake in small letters, one in other capitals with a fake, leaves text quoting no one, and verify passes', async () => {
    const url = await namesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [fakes, bodies] = [await fakesOf(url), await bodiesOf(url)];
    expect(bodies[0]).toBe(`hi im ${fakes[0]?.toLowerCase()}, thanks`);
    expect(bodies[1]).toBe(`hello\n${fakes[1]?.toLowerCase()} called`);
    expect(bodies[2]).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ here$/);
    expect(bodies[3]).toBe(`soy ${fakes[2]?.toLowerCase()}`);
    expect(bodies[4]).toBe(NOTES[4]);
    for (const word of ['okonkwo', 'pakenham', 'pérez']) expect(bodies.join('\n').toLowerCase()).not.toContain(word);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces them when each text gets a pattern of its own (more than five names quoted)', async () => {
    const names = ['Aoife Brennan', 'Tomasz Wielgus', 'Ingrid Solberg', 'Kwame Mensah', 'Leilani Kahale', 'Bartholomew Quist'];
    const url = await namesDatabase(names, names.map((name, i) => `${i % 2 === 0 ? 'hi im' : 'ask for'} ${name.toLowerCase()} please`));

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [fakes, bodies] = [await fakesOf(url), await bodiesOf(url)];
    expect(bodies).toEqual(fakes.map((fake, i) => `${i % 2 === 0 ? 'hi im' : 'ask for'} ${fake.toLowerCase()} please`));
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not text quoting no one', async () => {
    const url = await namesDatabase();

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 4));
  });
});

describe('full names in scripts without capitals, or after an opening quote or bracket, quoted in free text (اسمي محمد الأحمد)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['محمد الأحمد', 'राहुल शर्मा', 'Ana Pérez', 'Élodie Dupont'] as const;
  const NOTES = ['اسمي محمد الأحمد، شكرا', 'मेरा नाम राहुल शर्मा है', 'ask for “ana pérez…” (or محمد الأحمد)', 'محمد يحب الأحمد', 'Élodie dupont here'] as const;

  async function namesDatabase(): Promise<string> {
    return customerNotesDatabase('uncased', created, NAMES, NOTES);
  }

  it('replaces each with its column\'s fake, also between quotes, brackets and punctuation beyond ASCII, leaves text quoting no one, and verify passes', async () => {
    const url = await namesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies).toEqual([`اسمي ${fakes[0]}، شكرا`, `मेरा नाम ${fakes[1]} है`, `ask for “${fakes[2]?.toLowerCase()}…” (or ${fakes[0]})`, NOTES[3], expect.stringMatching(/^[A-Z][a-z]+ [A-Z][a-z'-]+ here$/)]);
    expect(bodies[4]).not.toContain('dupont');
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not text quoting no one', async () => {
    const url = await namesDatabase();

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 5));
  });
});

describe('full names in small letters after a square bracket or a single quote, and with more than one space, or a no-break space, between their words', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', 'Desmond Pakenham', "Liam O'Brien"] as const;

  it('replaces each after a bracket or quote with its column\'s fake in small letters, not splitting a name at its apostrophe, and verify passes', async () => {
    const notes = ['ticket from [marguerite okonkwo]', "she said 'desmond pakenham' twice", "'marguerite okonkwo' called", '‘desmond pakenham’ wrote', "ask liam o'brien", "don't 'forget' it"];
    const url = await customerNotesDatabase('opened', created, NAMES, notes);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first, second, third] = (await fakesOf(url)).map((fake) => fake.toLowerCase());
    expect(await bodiesOf(url)).toEqual([`ticket from [${first}]`, `she said '${second}' twice`, `'${first}' called`, `‘${second}’ wrote`, `ask ${third}`, notes[5]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces each with two spaces, a tab or a no-break space between its words by its column\'s fake, written with one space, and verify passes', async () => {
    const notes = ['spoke to marguerite\u00a0okonkwo today', 'desmond  pakenham said', 'DESMOND\u202fPAKENHAM', "(liam\to'brien)", 'hello\u00a0world'];
    const url = await customerNotesDatabase('nbsp', created, NAMES, notes);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first, second, third] = (await fakesOf(url)).map((fake) => fake.toLowerCase());
    expect(await bodiesOf(url)).toEqual([`spoke to ${first} today`, `${second} said`, second?.toUpperCase(), `(${third})`, notes[4]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text with two spaces or more, a line break and a space, or a no-break space between its words, and not such text quoting no one', async () => {
    const notes = ['Spoke to Marguerite  Okonkwo today', 'desmond   pakenham called', "LIAM\n O'BRIEN", 'hello  world  again', 'Marguerite  and  Okonkwo', 'ask marguerite\u00a0okonkwo', 'Desmond\u202fPakenham wrote'];
    const url = await customerNotesDatabase('spaced', created, NAMES, notes);

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 6, 7));
  });
});

describe('full names in their column\'s capitals with a line break, two spaces, a tab or a no-break space between their words, or after a line of capitalised words', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', 'Desmond Pakenham', "Liam O'Brien"] as const;
  // A mail wrapped between a name's words; a signature whose title ends in capitalised words on the line before the name.
  const NOTES = ['called Marguerite\nOkonkwo back', 'Desmond  Pakenham said', 'Regards,\nHead Of Support\nMarguerite Okonkwo', 'To: Desmond\tPakenham', "Liam\u00a0O'Brien wrote", 'Hello\nWorld, Dear Team'];

  it('replaces each with its column\'s fake, whole (not word by word), written with one space, and verify passes', async () => {
    const url = await customerNotesDatabase('wrapped', created, NAMES, NOTES);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first, second, third] = await fakesOf(url);
    expect(await bodiesOf(url)).toEqual([`called ${first} back`, `${second} said`, `Regards,\nHead Of Support\n${first}`, `To: ${second}`, `${third} wrote`, NOTES[5]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not text quoting no one', async () => {
    const url = await customerNotesDatabase('wrapped_kept', created, NAMES, NOTES);

    expect(findingLines(await keptNameFindings(url))).toEqual(fullNameFindings(1, 2, 3, 4, 5));
  });
});

describe('full names joined into one word: a handle or a link\'s slug (marguerite.okonkwo, @anand_venkataraman)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', 'Anand Venkataraman', "Liam O'Brien"] as const;
  const NOTES = ['contact marguerite.okonkwo on slack', 'see linkedin.com/in/marguerite-okonkwo-1b2c3', '@anand_venkataraman please', "ask liam.o'brien", 'sent Anand-Venkataraman.pdf', 'e.g. nothing.here, see docs.acme-corp.io'] as const;

  it('replaces each with its column\'s fake joined the same way, leaves other joined words, and verify passes', async () => {
    const url = await customerNotesDatabase('joined', created, NAMES, NOTES);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first, second, third] = await fakesOf(url);
    const joined = (fake: string | undefined, joiner: string): string => (fake ?? '').toLowerCase().replaceAll(' ', joiner);
    expect(await bodiesOf(url)).toEqual([`contact ${joined(first, '.')} on slack`, `see linkedin.com/in/${joined(first, '-')}-1b2c3`, `@${joined(second, '_')} please`,
      `ask ${joined(third, '.')}`, `sent ${(second ?? '').replaceAll(' ', '-')}.pdf`, NOTES[5]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not other joined words', async () => {
    const url = await customerNotesDatabase('joinedkept', created, NAMES, NOTES);

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 4, 5));
  });
});

describe('full names run together in camel case, or joined with digits after them or a hyphen before them (@AnandVenkataraman42, /in/-marguerite-okonkwo)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', 'Anand Venkataraman'] as const;
  const NOTES = ['follow @AnandVenkataraman on x', 'github.com/anandVenkataraman', 'ping marguerite.okonkwo42 or @MargueriteOkonkwo_', 'see /in/-marguerite-okonkwo',
    'iPhone McDonald JavaScript', 'marguerite.okonkwox'] as const;

  it('replaces each with its column\'s fake written the same way, keeping what follows, leaves other camel case, and verify passes', async () => {
    const url = await customerNotesDatabase('camel', created, NAMES, NOTES);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first, second] = await fakesOf(url);
    const camel = (fake: string | undefined): string => (fake ?? '').replaceAll(' ', '');
    const small = (fake: string | undefined): string => camel(fake).charAt(0).toLowerCase() + camel(fake).slice(1);
    const joined = (fake: string | undefined, joiner: string): string => (fake ?? '').toLowerCase().replaceAll(' ', joiner);
    expect(await bodiesOf(url)).toEqual([`follow @${camel(second)} on x`, `github.com/${small(second)}`, `ping ${joined(first, '.')}42 or @${camel(first)}_`,
      `see /in/-${joined(first, '-')}`, NOTES[4], NOTES[5]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces them when each text gets a pattern of its own (more than five names quoted)', async () => {
    const others = ['Desmond Pakenham', 'Liam Brennan', 'Rosa Villanueva', 'Tobias Eckhardt'];
    const url = await customerNotesDatabase('camelmany', created, [...NAMES, ...others], [...NOTES, ...others.map((name) => `${name} wrote`)]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const bodies = await bodiesOf(url);
    expect(bodies.slice(0, 4).join(' ')).not.toMatch(/venkataraman|okonkwo/i);
    expect(bodies.slice(4, 6)).toEqual(NOTES.slice(4, 6));
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not other camel case', async () => {
    const url = await customerNotesDatabase('camelkept', created, NAMES, NOTES);

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 4));
  });
});

describe('names written in decomposed form (NFD: an e and a combining accent, as macOS file names hold José)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const nfd = (text: string): string => text.normalize('NFD');
  // A column of names in composed form and one in decomposed form; text quoting each in the other form too.
  const NAMES = ['José García', nfd('Renée Lefèvre')] as const;
  const NOTES = [nfd('José García called'), 'Renée Lefèvre wrote', nfd('Renée Lefèvre wrote'), nfd('ask josé garcía'), nfd('Crème brûlée, café')] as const;

  it('replaces each, in either form, with its column\'s very fake, leaves text quoting no one as it was, and verify passes', async () => {
    const url = await customerNotesDatabase('nfd', created, NAMES, NOTES);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first, second] = await fakesOf(url);
    expect(await bodiesOf(url)).toEqual([`${first} called`, `${second} wrote`, `${second} wrote`, `ask ${first?.toLowerCase()}`, NOTES[4]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('gives a name the same fake in either form', async () => {
    const url = await customerNotesDatabase('nfdfake', created, ['Renée Lefèvre', nfd('Renée Lefèvre')], []);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [composed, decomposed] = await fakesOf(url);
    expect(decomposed).toBe(composed);
  });

  it('has verify find each kept in text in either form, and not text quoting no one', async () => {
    const url = await customerNotesDatabase('nfdkept', created, NAMES, NOTES);

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 4));
  });
});

describe('names in a link\'s query (name=Marguerite%20Okonkwo) or with an apostrophe written as an HTML entity (O&#39;Brien)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['Marguerite Okonkwo', "Liam O'Brien"] as const;
  const NOTES = ['https://bot.example/start?name=Marguerite%20Okonkwo&lang=en', 'Liam O&#39;Brien wrote', 'from Liam O&#x27;Brien', 'see https://docs.example/a%20b and it&#39;s fine'] as const;

  it('replaces each word of a name in a link with its fake, written back with %20, and a name with an entity, leaves other text as it was, and verify passes', async () => {
    const url = await customerNotesDatabase('linked', created, NAMES, NOTES);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [, second] = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies[0]).toMatch(/^https:\/\/bot\.example\/start\?name=[A-Z][a-z]+%20[A-Z][a-z]+&lang=en$/);
    expect(bodies[0]).not.toMatch(/Marguerite|Okonkwo/);
    expect(bodies.slice(1)).toEqual([`${second} wrote`, `from ${second}`, NOTES[3]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces them when each text gets a pattern of its own (more than five names quoted)', async () => {
    const others = ['Desmond Pakenham', 'Rosa Villanueva', 'Tobias Eckhardt', 'Ines Harrow'];
    const url = await customerNotesDatabase('linkedmany', created, [...NAMES, ...others], [...NOTES, ...others.map((name) => `${name} wrote`)]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const bodies = await bodiesOf(url);
    expect(bodies.slice(0, 3).join(' ')).not.toMatch(/Marguerite|Okonkwo|Brien/);
    expect(bodies[0]).toMatch(/name=[A-Z][a-z]+%20[A-Z][a-z]+&lang=en$/);
    expect(bodies[3]).toBe(NOTES[3]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not text quoting no one', async () => {
    const url = await customerNotesDatabase('linkedkept', created, NAMES, NOTES);

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3));
  });
});

describe('names with accents typed without them (Jose Garcia for José García, as phones and chats often write them)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['José García', 'Łukasz Wójcik', 'Zoë Müller', 'Ann Lee'] as const;
  const NOTES = ['Jose Garcia called', 'hi im jose garcia', 'LUKASZ WOJCIK wrote', 'ask Zoe Muller', 'José García called', 'a cafe in Sao Paulo'] as const;

  it('replaces each with a fake (its column\'s where written with the accents), leaves text quoting no one, and verify passes', async () => {
    const url = await customerNotesDatabase('unaccented', created, NAMES, NOTES);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [first] = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies.slice(0, 4).join(' ')).not.toMatch(/jose|garcia|lukasz|wojcik|zoe|muller/i);
    expect(bodies[0]).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ called$/);
    expect(bodies[1]).toMatch(/^hi im [a-z]+ [a-z]+$/);
    expect(bodies[2]).toMatch(/^[A-Z]+ [A-Z]+ wrote$/);
    expect(bodies.slice(4)).toEqual([`${first} called`, NOTES[5]]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('has verify find each kept in text, and not text quoting no one', async () => {
    const url = await customerNotesDatabase('unaccentedkept', created, NAMES, NOTES);

    const findings = await keptNameFindings(url);

    expect(findingLines(findings)).toEqual(fullNameFindings(1, 2, 3, 4, 5));
  });
});

describe('names in scripts written without spaces, glued to the words around them (我叫王小明)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const NAMES = ['王小明', '山田太郎', '佐藤 花子', '김민수', 'Ann Lee', '李娜'] as const;
  const NOTES = ['我叫王小明，谢谢', '山田太郎です。', '佐藤花子さんへ', '저는 김민수입니다', '我们明天见', 'Ann Lee様', '李娜和王小明'] as const;

  async function namesDatabase(): Promise<string> {
    return customerNotesDatabase('unspaced', created, NAMES, NOTES);
  }

  it('replaces each with a fake (its column\'s when written as there), leaves text quoting no one, and verify passes', async () => {
    const url = await namesDatabase();

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies).toEqual([`我叫${fakes[0]}，谢谢`, `${fakes[1]}です。`, expect.stringMatching(/^[A-Z][a-z]+ [A-Z][a-z'-]+さんへ$/), `저는 ${fakes[3]}입니다`,
      NOTES[4], `${fakes[4]}様`, `${fakes[5]}和${fakes[0]}`]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('replaces them when one pattern of the few quoted serves every text', async () => {
    const url = await customerNotesDatabase('unspaced', created, ['王小明', '李娜'], ['我叫王小明，谢谢', '李娜和王小明', '明天见']);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const fakes = await fakesOf(url);
    const bodies = await bodiesOf(url);
    expect(bodies).toEqual([`我叫${fakes[0]}，谢谢`, `${fakes[1]}和${fakes[0]}`, '明天见']);
  });

  it('has verify find each kept in text, and not text quoting no one', async () => {
    const url = await namesDatabase();

    const findings = await keptNameFindings(url);

    expect(findings.map(({ key }) => key).sort())
      .toEqual(['id=1', 'id=2', 'id=3', 'id=4', 'id=6', 'id=7']);
  });
});

describe('a fake name that is another person\'s real name in the data', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const { one } = maskSchemaSession('redraw', KEY);

  it('is drawn again while it is one, in the column and where text quotes it, the same fake in both', async () => {
    // Prepare: the first two draws of Ann's fake (attempts 0 and 1; no names to avoid here) are two other customers' real names.
    const draws = [await one<string>('rehearsal_mask.full_name($1, NULL, 0)', ['Ann Example']), await one<string>('rehearsal_mask.full_name($1, NULL, 1)', ['Ann Example'])];
    const names = ['Ann Example', ...draws];
    const url = await customerNotesDatabase('redraw', created, names, ['hi from Ann Example']);

    await anonymizeDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY });

    const [fakes, bodies] = [await fakesOf(url), await bodiesOf(url)];
    expect(names).not.toContain(fakes[0]);
    expect(bodies).toEqual([`hi from ${fakes[0]}`]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: nameRules('scrubText'), key: KEY })).findings).toEqual([]);
  });
});

describe('a fake postcode that is another customer\'s real postcode (codes of digits fill their space: US ZIP codes)', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const { one } = maskSchemaSession('postcode-redraw', KEY);
  const postcodeRules = (bodyRule: string) => parseRulesText(`tables:
  public.customers:
    columns: { id: keep, postcode: postcode }
  public.notes:
    columns: { id: keep, body: ${bodyRule} }
`, 'rules.yaml');

  /** A candidate database of customers with the postcodes `postcodes` and notes with the bodies `notes` (ids from 1). Returns its URL. */
  async function postcodesDatabase(postcodes: readonly string[], notes: readonly string[]): Promise<string> {
    const url = await candidateDatabase('postcodes', created, `
      CREATE TABLE customers (id bigint PRIMARY KEY, postcode text);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
    await query(url, 'INSERT INTO customers SELECT i, p FROM unnest($1::text[]) WITH ORDINALITY AS u(p, i)', [postcodes]);
    await query(url, 'INSERT INTO notes SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [notes]);
    return url;
  }
  const postcodesOf = async (url: string): Promise<string[]> => (await query<{ postcode: string }>(url, 'SELECT postcode FROM customers ORDER BY id')).map((row) => row.postcode);

  it('is drawn again while it is one, in the column and where text quotes it, the same fake in both', async () => {
    // Prepare: the first two draws of EH1 2NG's fake (attempts 0 and 1; nothing to avoid here) are two other customers' real postcodes, one of them written run together.
    const draws = [await one<string>('rehearsal_mask.postcode($1, NULL, 0)', ['EH1 2NG']), await one<string>('rehearsal_mask.postcode($1, NULL, 1)', ['EH1 2NG'])];
    const postcodes = ['EH1 2NG', draws[0] ?? '', (draws[1] ?? '').replace(' ', '')];
    const url = await postcodesDatabase(postcodes, ['deliver to EH1 2NG please']);

    await anonymizeDatabase({ connection: { connectionString: url }, source: postcodeRules('scrubText'), key: KEY });

    const fakes = await postcodesOf(url);
    expect(fakes[0]).toMatch(/^[A-Z]{2}[0-9] [0-9][A-Z]{2}$/);
    expect([...draws, ...postcodes]).not.toContain(fakes[0]);
    expect(await bodiesOf(url)).toEqual([`deliver to ${fakes[0]} please`]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: postcodeRules('scrubText'), key: KEY })).findings).toEqual([]);
  });

  it('never leaves a fake equal to an original where 3,000 customers share 10,000 five-digit codes, and verify passes', async () => {
    // Before redraws, 87 of these fakes were other customers' real codes, and verify failed on them.
    const postcodes = Array.from({ length: 3000 }, (_, i) => String(10000 + ((i + 1) * 7919) % 10000));
    const url = await postcodesDatabase(postcodes, []);

    await anonymizeDatabase({ connection: { connectionString: url }, source: postcodeRules('keep'), key: KEY });

    const fakes = await postcodesOf(url);
    const originals = new Set(postcodes);
    expect(fakes.filter((fake) => originals.has(fake))).toEqual([]);
    expect(fakes.every((fake) => /^[0-9]{5}$/.test(fake))).toBe(true);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: postcodeRules('keep'), key: KEY })).findings).toEqual([]);
  });
});

describe('postcodes at a JSON path or in an array, whose fakes could be other customers\' real codes', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));
  const jsonRules = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, address: { strategy: json, paths: { "$.zip": postcode } }, zips: postcode }
`, 'rules.yaml');

  it('never leaves a fake equal to an original where 3,000 customers share 10,000 five-digit codes, and verify passes', async () => {
    const codes = Array.from({ length: 3000 }, (_, i) => String(10000 + ((i + 1) * 7919) % 10000));
    const url = await candidateDatabase('json-postcodes', created, 'CREATE TABLE customers (id bigint PRIMARY KEY, address jsonb, zips text[])');
    await query(url, `INSERT INTO customers SELECT i, jsonb_build_object('zip', p), ARRAY[p] FROM unnest($1::text[]) WITH ORDINALITY AS u(p, i)`, [codes]);

    await anonymizeDatabase({ connection: { connectionString: url }, source: jsonRules, key: KEY });

    const rows = await query<{ zip: string; zips: string[] }>(url, "SELECT address->>'zip' AS zip, zips FROM customers ORDER BY id");
    const originals = new Set(codes);
    expect(rows.filter((row) => originals.has(row.zip) || row.zips.some((zip) => originals.has(zip)))).toEqual([]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: jsonRules, key: KEY })).findings).toEqual([]);
  });
});
