import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { MAX_HITS } from '../../../shared/anonymize/known-value-hits';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { LONG_TEXT_BYTES } from '../../../shared/anonymize/sql/core';
import { verifyDatabase } from '../../../shared/verify/verify';
import { maskSchemaSession } from '../../support/mask-session';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { base64Of, KEY } from './fixtures';

/**
 * Notes of every kind scrubText replaces, `count` of them, each its own: an email, a phone number, a
 * card, an IBAN, a public IPv4 address, an obfuscated and a percent-encoded email, a credential, and
 * base64 of a line quoting an email.
 */
const notesOfEveryKind = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(5, '0');
    return [
      `ticket ${i}: customer ann.lee${i}@mail.com called from +44 7700 9${n}, paid with 4111 1111 1111 1111,`,
      `refund to DE89 3704 0044 0532 0130 00 from 81.2.${100 + (i % 150)}.${100 + (i % 99)}, alt jo.lee${i} [at] gmail [dot] com,`,
      `link ?to=bo${i}%40mail.com token sk_live_${'a1B2'.repeat(5)}${n} log ${base64Of(`from kim${i}@mail.com`)}`,
    ].join(' ');
  });

/** Lines of no personal data and no word saying mail (see MAIL_CUE), `count` of them. */
const filler = (count: number): string => Array.from({ length: count }, (_, i) => `line ${i} of the weekly report, nothing to see here`).join('\n');

describe('scrubText on long texts (over LONG_TEXT_BYTES)', () => {
  const { one, client } = maskSchemaSession('long_texts', KEY);
  const scrub = (text: string): Promise<string> => one<string>('rehearsal_mask.scrub_text($1)', [text]);
  const scrubEach = async (texts: readonly string[]): Promise<string[]> =>
    (await client().query<{ v: string }>('SELECT rehearsal_mask.scrub_text(x) AS v FROM unnest($1::text[]) WITH ORDINALITY AS u(x, o) ORDER BY o', [texts])).rows.map((row) => row.v);
  const piiLeft = async (text: string): Promise<string[]> =>
    (await client().query<{ kind: string }>('SELECT kind FROM rehearsal_mask.pii_found($1)', [text])).rows.map((row) => row.kind);

  it('scrubs a long transcript, a long JSON document and one long line of prose as it scrubs each of their notes alone', async () => {
    const notes = notesOfEveryKind(300);
    const scrubbed = await scrubEach(notes);
    const documents = { transcript: notes.join('\n'), json: JSON.stringify(notes.map((note, id) => ({ id, note }))), prose: notes.join(' ') };

    for (const document of Object.values(documents)) expect(Buffer.byteLength(document)).toBeGreaterThan(4 * LONG_TEXT_BYTES);
    expect(await scrub(documents.transcript)).toBe(scrubbed.join('\n'));
    expect(await scrub(documents.json)).toBe(JSON.stringify(scrubbed.map((note, id) => ({ id, note }))));
    expect(await scrub(documents.prose)).toBe(scrubbed.join(' '));
    expect(await piiLeft(await scrub(documents.prose))).toEqual([]);
    // Each note had each of its kinds replaced.
    for (const [i, note] of scrubbed.entries()) {
      const originals = [`ann.lee${i}@`, `9${String(i).padStart(5, '0')}`, '4111 1111', 'DE89 3704', `jo.lee${i} `, `bo${i}%40`, 'sk_live_', base64Of(`from kim${i}@mail.com`)];
      expect({ i, left: originals.filter((original) => note.includes(original)) }).toEqual({ i, left: [] });
    }
  });

  it('gives a long text with nothing to replace back byte for byte', async () => {
    const text = `${filler(2000)}\n"quoted" caf\u0065\u0301 \u00e9\n${filler(10)}`;

    expect(await scrub(text)).toBe(text);
  });

  it('never cuts a long text inside a token that goes on across a line break or a space', async () => {
    // Each line break inside an obfuscated email, each space but one in four inside a phone number or an IBAN.
    const emails = Array.from({ length: 1200 }, (_, i) => `write to jo.lee${i} [at]\ngmail [dot] com`);
    const numbers = Array.from({ length: 1200 }, (_, i) => (i % 2 ? `+44 7700 900 ${String(i).padStart(3, '0')}` : 'GB82 WEST 1234 5698 7654 32'));
    const between = ' or ';

    const [scrubbedEmails, scrubbedNumbers] = [await scrubEach(emails), await scrubEach(numbers)];

    expect(scrubbedEmails.filter((text, i) => text === emails[i])).toEqual([]);
    expect(scrubbedNumbers.filter((text, i) => text === numbers[i])).toEqual([]);
    expect(await scrub(emails.join('\n'))).toBe(scrubbedEmails.join('\n'));
    expect(await scrub(numbers.join(between))).toBe(scrubbedNumbers.join(between));
  });

  it('replaces a credential whose password holds a quote, though a long text is cut after quotes', async () => {
    // Its quote is where a piece would end: past a piece's length, in a run with no space or line break.
    const [before, after] = ['x'.repeat(4_100), ` and "${'y'.repeat(LONG_TEXT_BYTES)}"`];

    const scrubbed = await scrub(`${before},postgres://app:s3c"r3t@db.internal/app${after}`);

    expect(scrubbed).toBe(`${before},[redacted credential]/app${after}`);
  });

  it('reads an email spelled out with the word at as one when the long text speaks of mail far from it, as it does whole', async () => {
    const spelled = 'jsmith at harvard dot edu';
    const fake = await one<string>('rehearsal_mask.email($1)', ['jsmith@harvard.edu']);
    const far = `${filler(400)}\nask ${spelled} today\n${filler(400)}`;

    expect(await scrub(`Please email me.\n${far}`)).toBe(`Please email me.\n${far.replace(spelled, fake)}`);
    // Without a word saying mail, it is prose (trained at harvard dot edu), as in a short text.
    expect(await scrub(far)).toBe(far);
  });
});

describe('known values quoted in long texts', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  const rules = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, full_name: fullName }
  public.notes:
    columns: { id: keep, body: scrubText }
`, 'rules.yaml');

  /** A candidate with `customers` full names and one note per customer: a long log quoting the name as `quote` writes it, every third line. */
  async function database(customers: number, quote: (first: string, last: string) => string): Promise<{ url: string; names: string[] }> {
    const name = uniqueName('long_known');
    created.push(name);
    const url = await createDatabase(name);
    const names = Array.from({ length: customers }, (_, i) => `${['Marguerite', 'Anand', 'Siobhan', 'Tomasz'][i % 4]} ${['Okonkwo', 'Venkataraman', 'Fairweather', 'Kowalczyk'][i % 4]}${'abcdefghijklmnopqrstuvwxyz'[i % 26]}${'abcdefghijklmnopqrstuvwxyz'[Math.floor(i / 26) % 26]}`);
    const notes = names.map((full) => {
      const [first, last] = full.split(' ');
      return Array.from({ length: 900 }, (_, i) => (i % 3 ? `line ${i}: all quiet` : `line ${i}: called ${quote(first ?? '', last ?? '')} back`)).join('\n');
    });
    await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
    await query(url, 'INSERT INTO customers SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [names]);
    await query(url, 'INSERT INTO notes SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [notes]);
    return { url, names };
  }

  it.each([
    ['one pattern for the unit', 2],
    ['a pattern per text', MAX_HITS + 10],
  ])('replaces a full name written across a line break everywhere in a long text (%s), and verify passes', async (_mode, customers) => {
    const { url, names } = await database(customers, (first, last) => `${first}\n${last}`);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    const rows = await query<{ body: string; full_name: string }>(url, 'SELECT n.body, c.full_name FROM notes n JOIN customers c ON c.id = n.id ORDER BY n.id');
    expect(rows).toHaveLength(customers);
    for (const [i, row] of rows.entries()) {
      expect(Buffer.byteLength(row.body)).toBeGreaterThan(LONG_TEXT_BYTES);
      const lastName = (names[i] ?? '').split(' ')[1] ?? '';
      expect({ i, left: row.body.includes(lastName) }).toEqual({ i, left: false });
      // Each quote gets the fake its column has, in every piece of the text (single-spaced, as known values are read).
      expect(row.body.split(`called ${row.full_name} back`)).toHaveLength(301);
    }
    expect((await verifyDatabase({ connection: { connectionString: url }, source: rules, key: KEY })).findings).toEqual([]);
  });

  it('replaces a full name typed in small letters everywhere in a long text, with a pattern per text', async () => {
    const { url, names } = await database(MAX_HITS + 10, (first, last) => `${first} ${last}`.toLowerCase());

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    const rows = await query<{ body: string; full_name: string }>(url, 'SELECT n.body, c.full_name FROM notes n JOIN customers c ON c.id = n.id ORDER BY n.id');
    for (const [i, row] of rows.entries()) {
      expect({ i, left: row.body.includes((names[i] ?? '').toLowerCase()) }).toEqual({ i, left: false });
      expect(row.body.split(`called ${row.full_name.toLowerCase()} back`)).toHaveLength(301);
    }
  });
});
