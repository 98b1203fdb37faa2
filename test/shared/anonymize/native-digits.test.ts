import { nationalDigitsSql } from '../../../shared/anonymize/fingerprints';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { maskSchemaSession } from '../../support/mask-session';
import { createDemoDatabase, DEMO_RULES, demoRules, DIGITS_NO_PII, KEY, ORIGINALS } from './fixtures';

/** Writes the ASCII digits of `text` in another script (its first code point, the digit zero), keeping every other character. */
const inScript = (zero: number) => (text: string): string => text.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
const arabicIndic = inScript(0x0660);
const extendedArabicIndic = inScript(0x06f0);
const devanagari = inScript(0x0966);
/** Fullwidth, as Chinese, Japanese and Korean input methods type it: digits, and the plus, parentheses, hyphen and full stop. */
const fullwidth = (text: string): string => inScript(0xff10)(text).replace(/[+()\-.]/g, (c) => String.fromCodePoint(0xfee0 + c.charCodeAt(0)));

describe('numbers typed in digits of other scripts', () => {
  const { one, client } = maskSchemaSession('native', KEY);

  it('scrubs a phone, card or IPv4 address typed in fullwidth, Arabic-Indic, Extended Arabic-Indic or Devanagari digits with the fake of its ASCII digits, where it was written', async () => {
    const cases: [before: string, written: string, after: string, fake: string, ascii: string][] = [
      ['電話は', fullwidth('+44 7700 900123'), 'までお願いします', 'phone', '+44 7700 900123'],
      ['رقمي ', arabicIndic('07700 900456'), ' شكرا', 'phone', '07700 900456'],
      ['شماره من ', extendedArabicIndic('0912 345 6789'), '', 'phone', '0912 345 6789'],
      ['मेरा नंबर ', devanagari('+91 98765 43210'), ' है', 'phone', '+91 98765 43210'],
      ['カード ', fullwidth('4111 1111 1111 1111'), ' です', 'card', '4111 1111 1111 1111'],
      ['接続元 ', fullwidth('8.8.4.4'), '', 'ip', '8.8.4.4'],
    ];
    for (const [before, written, after, fake, ascii] of cases) {
      const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [`${before}${written}${after}`]);
      const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1)', [`${before}${written}${after}`]);

      expect({ written, scrubbed }).toEqual({ written, scrubbed: `${before}${await one<string>(`rehearsal_mask.${fake}($1)`, [ascii])}${after}` });
      expect({ written, found: found.rows }).toEqual({ written, found: [{ kind: fake === 'ip' ? 'ipv4' : fake, token: ascii }] });
      expect((await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed])).rows).toEqual([]);
    }
  });

  it('gives a phone number typed in other digits the fake, digits and national digits of its ASCII form, as a phone column holding it is masked and fingerprinted', async () => {
    const typed = [fullwidth('+34 612 345 678'), arabicIndic('+34 612 345 678'), devanagari('+34 612 345 678')];
    const { rows } = await client().query<{ fake: string; digits: string; national: string }>(
      `SELECT rehearsal_mask.phone(v) AS fake, rehearsal_mask.digits(v) AS digits, ${nationalDigitsSql('v')} AS national FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [typed]);

    const ascii = await one<string>(`rehearsal_mask.phone('+34 612 345 678')`);
    expect(rows).toEqual(typed.map(() => ({ fake: ascii, digits: '34612345678', national: '612345678' })));
  });

  it('leaves timestamps, dates, order numbers, prices, versions and ids typed in other digits as they were, and finds nothing in them', async () => {
    const texts = [fullwidth, arabicIndic, extendedArabicIndic, devanagari].flatMap((script) => DIGITS_NO_PII.map(script));
    const { rows } = await client().query<{ t: string; scrubbed: string; found: string[] }>(
      `SELECT u.t, rehearsal_mask.scrub_text(u.t) AS scrubbed, array(SELECT kind FROM rehearsal_mask.pii_found(u.t)) AS found
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, [texts]);

    expect(rows).toEqual(texts.map((t) => ({ t, scrubbed: t, found: [] })));
  });
});

describe('anonymize and verify with numbers typed in digits of other scripts', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('scrubs a user\'s phone typed in other digits with that user\'s fake, and verify finds it kept, by its digits, as the phone column\'s original', async () => {
    // Prepare: the demo users (ORIGINALS.phones) and one whose phone column holds fullwidth digits; notes
    // quoting them in other scripts, a number no user has, and ordinary text in such digits.
    const rules = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, kept: keep, scrubbed: scrubText }\n`;
    const ordinary = [arabicIndic('السعر 125 ريال، الطلب 4567 في 2024/01/15'), fullwidth('バージョン 2.14.3、2024年1月15日 21:29'), devanagari('कुल 1,250.00 दिनांक 15/11/2026')];
    const db = await createDemoDatabase('nativeverify');
    created.push(db.name);
    await query(db.url, "INSERT INTO users VALUES (4, 'dee@mail.example', 'Dee Okafor', $1, 'ja-JP', '2026-01-04')", [fullwidth('+44 7700 900777')]);
    await query(db.url, 'CREATE TABLE notes (id int PRIMARY KEY, kept text, scrubbed text)');
    await query(db.url, "INSERT INTO notes VALUES (1, $1, $1), (2, $2, $2), (3, $3, NULL), (4, '+44 7700 900777', NULL), (5, $4, $4), (6, $5, $5), (7, $6, $6)",
      [`call ${fullwidth(ORIGINALS.phones[0])}`, `رقمي ${arabicIndic(ORIGINALS.phones[1])}`, `मेरा नंबर ${devanagari('+91 98765 43210')}`, ...ordinary]);

    // Act
    await anonymizeDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });
    const result = await verifyDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });

    // Assert: each quoted phone got its user's fake; ordinary text is as it was.
    const phones = await query<{ phone: string }>(db.url, 'SELECT phone FROM users ORDER BY id');
    const notes = await query<{ scrubbed: string | null }>(db.url, 'SELECT scrubbed FROM notes ORDER BY id');
    expect(phones[3]?.phone).toMatch(/^\+44 [0-9]{4} [0-9]{6}$/);
    expect(notes.map((note) => note.scrubbed)).toEqual([`call ${phones[0]?.phone}`, `رقمي ${phones[1]?.phone}`, null, null, ...ordinary]);
    // Kept, they are found as the originals their digits are (never printed), the unknown number as a phone.
    expect(result.findings.filter(({ table, key }) => table === 'public.notes' && key.startsWith('id=')).map(({ column, key, kind }) => `${column} ${key} ${kind}`).sort()).toEqual([
      'kept id=1 original value of public.messages.body',
      'kept id=1 original value of public.notes.scrubbed',
      'kept id=1 original value of public.users.phone',
      'kept id=2 original value of public.notes.scrubbed',
      'kept id=2 original value of public.users.phone',
      'kept id=3 phone outside reserved fake ranges',
      'kept id=4 original value of public.users.phone',
    ]);
    expect(JSON.stringify(result)).not.toMatch(/7700|900777|98765/);
  });
});
