import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { maskSchemaSession } from '../../support/mask-session';
import { createDemoDatabase, DEMO_RULES, demoRules, KEY } from './fixtures';

/** An IBAN in its print form: capitals, groups of four. */
const printForm = (iban: string): string => iban.replace(/[^A-Za-z0-9]/g, '').toUpperCase().replace(/(.{4})/g, '$1 ').trim();
/** `fake` (an IBAN in print form) laid out as `written` is: its separators where they are, small letters where it has them. */
const laidOutAs = (fake: string, written: string): string => {
  const chars = [...fake.replace(/[^A-Za-z0-9]/g, '')];
  let next = 0;
  return written.replace(/[A-Za-z0-9]/g, (c) => {
    const f = chars[next++] ?? '';
    return /[a-z]/.test(c) ? f.toLowerCase() : f;
  });
};

/** One German account's IBAN as people write it: in small letters, with dashes, without separators. */
const GERMAN = 'DE89 3704 0044 0532 0130 00';
const WRITTEN: readonly string[] = ['de89 3704 0044 0532 0130 00', 'DE89-3704-0044-0532-0130-00', 'de89370400440532013000', 'DE89 37040044 0532013000'];

/** Text that looks like an IBAN but is none: check digits that fail, a length not its country's, no IBAN country, ordinary words. */
const IBAN_LOOK_ALIKES: readonly string[] = [
  'de88 3704 0044 0532 0130 00', 'DE89 3704 0044 0532 0130', 'de89 3704 0044 0532 0130 000', 'ab12 3704 0044 0532 0130 00',
  'pm25 levels were high this week and the next one too', 'see de10 release notes for the api and the sdk changes',
  'room b2 12 floor 3 block c wing 4 north side', 'gb82 west 1234 5698 7654 33 is a typo',
];

describe('IBANs written in text in any capitals and grouping', () => {
  const { one, client } = maskSchemaSession('ibans', KEY);
  const fakeOf = async (written: string): Promise<string> => laidOutAs(await one<string>('rehearsal_mask.iban($1)', [printForm(written)]), written);

  it('scrubs an IBAN in small letters, with dashes, without separators or in other groups with the fake of its print form, laid out as it was written', async () => {
    const fake = await one<string>('rehearsal_mask.iban($1)', [GERMAN]);
    for (const written of WRITTEN) {
      const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [`pay ${written} for the rent`]);

      expect({ written, scrubbed }).toEqual({ written, scrubbed: `pay ${laidOutAs(fake, written)} for the rent` });
      expect((await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed])).rows).toEqual([]);
    }
    // The print form keeps the fake it had: iban() of it as written.
    expect(await one<string>('rehearsal_mask.scrub_text($1)', [`pay ${GERMAN} now`])).toBe(`pay ${fake} now`);
    expect(fake).toMatch(/^DE00 [0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4} [0-9]{2}$/);
  });

  it('scrubs and finds every IBAN of a run: two in a row, one in a French RIB\'s groups, one glued to no other word', async () => {
    const text = 'from gb82west12345698765432 to BE68 5390 0754 7034 BE71 0961 2345 6769, RIB FR76 30006 00001 12345678901 89.';
    const ibans = ['gb82west12345698765432', 'BE68 5390 0754 7034', 'BE71 0961 2345 6769', 'FR76 30006 00001 12345678901 89'];

    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
    const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1)', [text]);

    let expected = text;
    for (const iban of ibans) expected = expected.replace(iban, await fakeOf(iban));
    expect(scrubbed).toBe(expected);
    // Each as its letters and digits in capitals, which meet the fingerprint of any other writing of it.
    expect(found.rows).toEqual(ibans.map((iban) => ({ kind: 'iban', token: iban.replace(/[^A-Za-z0-9]/g, '').toUpperCase() })));
  });

  it('leaves text that looks like an IBAN but is none as it was, and finds nothing in it', async () => {
    const { rows } = await client().query<{ t: string; scrubbed: string; found: string[] }>(
      `SELECT u.t, rehearsal_mask.scrub_text(u.t) AS scrubbed, array(SELECT kind FROM rehearsal_mask.pii_found(u.t)) AS found
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, [IBAN_LOOK_ALIKES]);

    expect(rows).toEqual(IBAN_LOOK_ALIKES.map((t) => ({ t, scrubbed: t, found: [] })));
  });
});

describe('anonymize and verify with IBANs in any capitals and grouping', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('scrubs IBANs however written so verify passes, and verify finds them kept, another writing of a scrubbed one as its original', async () => {
    // Prepare: a note quoting an IBAN in small letters (scrubbed, and kept), the same account with dashes
    // (kept only), another account written without separators (kept only), and look-alikes in both columns.
    const rules = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, kept: keep, scrubbed: scrubText }\n`;
    const db = await createDemoDatabase('ibansverify');
    created.push(db.name);
    await query(db.url, 'CREATE TABLE notes (id int PRIMARY KEY, kept text, scrubbed text)');
    await query(db.url, `INSERT INTO notes VALUES (1, $1, $1), (2, $2, NULL), (3, $3, NULL)`,
      [`pay ${WRITTEN[0]} for the rent`, `account ${WRITTEN[1]}`, 'iban gb82west12345698765432']);
    await query(db.url, 'INSERT INTO notes SELECT 3 + i, t, t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)', [IBAN_LOOK_ALIKES]);

    // Act
    await anonymizeDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });
    const result = await verifyDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });

    // Assert
    const notes = await query<{ scrubbed: string | null }>(db.url, 'SELECT scrubbed FROM notes ORDER BY id');
    expect(notes[0]?.scrubbed).toMatch(/^pay de00 [0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4} [0-9]{2} for the rent$/);
    expect(notes.slice(3).map((note) => note.scrubbed)).toEqual(IBAN_LOOK_ALIKES);
    expect(result.findings.filter(({ table, key }) => table === 'public.notes' && key.startsWith('id=')).map(({ column, key, kind }) => `${column} ${key} ${kind}`).sort()).toEqual([
      'kept id=1 original value of public.notes.scrubbed',
      'kept id=2 original value of public.notes.scrubbed',
      'kept id=3 iban outside reserved fake ranges',
    ]);
  });
});
