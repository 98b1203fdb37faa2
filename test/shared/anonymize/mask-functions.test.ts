import pg from 'pg';
import { fingerprintOf, keyedDigest } from '../../../shared/anonymize/keyed-digest';
import { parseJsonPath, toSqlJsonPath, toWalkerPath } from '../../../shared/anonymize/json-path';
import { MASKING_MEMORY, useMaskingKey, useMaskingMemory } from '../../../shared/anonymize/mask-schema';
import { FINGERPRINT_BYTES, fingerprintSql } from '../../../shared/anonymize/sql/core';
import { DETECTORS } from '../../../shared/anonymize/sql/detectors';
import { IBAN_LENGTHS } from '../../../shared/anonymize/sql/ibans';
import { nationalDigitsSql } from '../../../shared/anonymize/fingerprints';
import { quoteLiteral } from '../../../shared/db/client';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { verifyDatabase } from '../../../shared/verify/verify';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { seededRandom } from '../../support/seeded-random';
import { maskSchemaSession } from '../../support/mask-session';
import { base64Of, CREDENTIAL_SAMPLES, DIGEST_HEX, DIGITS_NO_PII, KEY, OTHER_KEY, WRITTEN_AGAINST_DIGITS } from './fixtures';

describe('mask schema functions', () => {
  const { one, client, url } = maskSchemaSession('maskfn', KEY);

  /** Each of `texts` scrubbed (`scrub_text`), with the PII the detectors find in it as `kind token`, in order. */
  async function scrubbedWithFound(texts: readonly string[]): Promise<{ scrubbed: string; found: string[] }[]> {
    const { rows } = await client().query<{ scrubbed: string; found: string[] }>(
      `SELECT rehearsal_mask.scrub_text(u.t) AS scrubbed, array(SELECT kind || ' ' || token FROM rehearsal_mask.pii_found(u.t)) AS found
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, [texts]);
    return rows;
  }
  /** `call` (SQL of the value `v`) for each of `values`, in order, in one query (one connection runs one query at a time). */
  const eachValue = <T>(call: string, values: readonly string[]): Promise<T[]> =>
    one<T[]>(`array(SELECT ${call} FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY u.i)`, [values]);
  /** The PII the detectors still find in `texts`, read as one text. */
  const foundIn = async (texts: readonly string[]): Promise<unknown[]> =>
    (await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [texts.join('\n')])).rows;

  it('computes the same keyed hash in SQL as Node does, so SQL and TypeScript agree', async () => {
    const sqlDigest = await one<Buffer>(`rehearsal_mask.digest('email', $1, 0)`, [' Ann@Example.COM ']);
    const sqlFingerprint = await one<Buffer>('rehearsal_mask.fingerprint($1)', ['Ann Smith']);

    expect(sqlDigest.toString('hex')).toBe(keyedDigest(KEY, 'email', ' Ann@Example.COM ').toString('hex'));
    expect(sqlFingerprint.toString('hex')).toBe(fingerprintOf(KEY, 'Ann Smith').toString('hex'));
  });

  it('gives the same fingerprint when a statement reads the key once (the bulk form) as per call', async () => {
    const bulk = await client().query<{ fp: Buffer; one: Buffer }>(
      `SELECT ${fingerprintSql('v')} AS fp, rehearsal_mask.fingerprint(v) AS one FROM unnest($1::text[]) AS v`, [['Ann Smith', ' ann smith ', '+44 7700 900123']]);

    expect(bulk.rows.map((row) => row.fp.toString('hex'))).toEqual(['Ann Smith', ' ann smith ', '+44 7700 900123'].map((v) => fingerprintOf(KEY, v).toString('hex')));
    expect(bulk.rows.every((row) => row.fp.equals(row.one) && row.fp.length === FINGERPRINT_BYTES)).toBe(true);
  });

  it('gives the session the memory its hashes and sorts need', async () => {
    await useMaskingMemory(client());

    const { rows } = await client().query<{ work_mem: string; hash: string; maintenance: string }>(
      "SELECT current_setting('work_mem') AS work_mem, current_setting('hash_mem_multiplier') AS hash, current_setting('maintenance_work_mem') AS maintenance");
    expect(rows[0]).toEqual({ work_mem: MASKING_MEMORY.work_mem, hash: MASKING_MEMORY.hash_mem_multiplier, maintenance: MASKING_MEMORY.maintenance_work_mem });
  });

  it('gives other fakes under another key, and refuses to run without a key', async () => {
    const withKey = await one<string>(`rehearsal_mask.email('ann@x.org')`);
    await useMaskingKey(client(), OTHER_KEY);
    const withOther = await one<string>(`rehearsal_mask.email('ann@x.org')`);
    await useMaskingKey(client(), KEY);

    expect(withOther).not.toBe(withKey);
    const keyless = new pg.Client(url());
    await keyless.connect();
    try {
      await expect(keyless.query(`SELECT rehearsal_mask.email('ann@x.org')`)).rejects.toThrow(/rehearsal.mask_/);
    } finally {
      await keyless.end();
    }
  });

  it('refuses an empty or short key, so a context built without the secret can never mask', async () => {
    await expect(useMaskingKey(client(), Buffer.alloc(0))).rejects.toThrow('maskingKey: the masking key is empty: at least 16 bytes are needed');
    await expect(useMaskingKey(client(), Buffer.from('short'))).rejects.toThrow('the masking key is too short');
  });

  it('makes emails on reserved RFC 2606 domains, case-insensitive to the input, fitting the column', async () => {
    const long = await one<string>(`rehearsal_mask.email('Ann.Smith@Gmail.com')`);
    const lower = await one<string>(`rehearsal_mask.email('ann.smith@gmail.com')`);
    const short = await one<string>(`rehearsal_mask.email('ann.smith@gmail.com', 25)`);

    expect(long).toBe(lower);
    expect(long).toMatch(/^[a-z]+\.[a-z]+\.[0-9a-f]{12}@example\.(com|org|net)$/);
    expect(short.length).toBeLessThanOrEqual(25);
    expect(short).toMatch(/^u[0-9a-f]{12}@example\.(com|org|net)$/);
    // verify recognises both forms as fakes, and nothing merely near them.
    expect(await eachValue(`rehearsal_mask.fake_shaped('email', v)`, [long, short])).toEqual([true, true]);
    const nearMisses = [long.replace(/@.*$/, '@example.co'), long.toUpperCase(), short.replace(/^u/, 'x'), long.replace(/\.([0-9a-f]{12})@/, '$1@'), 'ann.smith@gmail.com'];
    expect(await eachValue(`rehearsal_mask.fake_shaped('email', v)`, nearMisses)).toEqual(nearMisses.map(() => false));
  });

  it('keeps a phone number\'s country code, format and length, with keyed check digits verify recognises', async () => {
    const inputs = ['+44 7700 900123', '07700 900456', '+1 (415) 555-0134', '0033 6 12 34 56 78', '+447700900123', '447700900123'];
    for (const input of inputs) {
      const fake = await one<string>('rehearsal_mask.phone($1)', [input]);
      expect(fake).not.toBe(input);
      expect(fake.length).toBe(input.length);
      expect(fake.replace(/[0-9]/g, '#')).toBe(input.replace(/[0-9]/g, '#'));
      expect(await one<boolean>('rehearsal_mask.is_fake_phone($1)', [fake])).toBe(true);
    }
    expect((await one<string>('rehearsal_mask.phone($1)', ['+44 7700 900123'])).startsWith('+44 ')).toBe(true);
    expect((await one<string>('rehearsal_mask.phone($1)', ['+1 (415) 555-0134'])).startsWith('+1 (')).toBe(true);
    expect((await one<string>('rehearsal_mask.phone($1)', ['0033 6 12 34 56 78'])).startsWith('0033 ')).toBe(true);
    // However it is written (E.164 takes a shorter way), one number gets the same digits.
    const digits = async (input: string) => (await one<string>('rehearsal_mask.phone($1)', [input])).replace(/[^0-9]/g, '');
    expect(await digits('+447700900123')).toBe(await digits('+44 7700 900123'));
    expect(await digits('447700900123')).toBe(await digits('44-7700-900123'));
    expect((await one<string>('rehearsal_mask.phone($1)', ['+447700900123'])).startsWith('+44')).toBe(true);
  });

  it('keeps a trunk 0 written in parentheses after the calling code, as British and German numbers are written', async () => {
    const numbers: [input: string, kept: string][] = [['+44 (0)20 7946 0958', '+44 (0)'], ['0044 (0)20 7946 0958', '0044 (0)'], ['+49 (0)30 1234567', '+49 (0)']];
    for (const [input, kept] of numbers) {
      const fake = await one<string>('rehearsal_mask.phone($1)', [input]);
      expect(fake.slice(0, kept.length)).toBe(kept);
      expect(fake.replace(/[0-9]/g, '#')).toBe(input.replace(/[0-9]/g, '#'));
      expect(fake.replace(/[^0-9]/g, '')).not.toBe(input.replace(/[^0-9]/g, ''));
      expect(await one<boolean>('rehearsal_mask.is_fake_phone($1)', [fake])).toBe(true);
    }
    // A 0 in parentheses elsewhere is no trunk: the digit after the calling code is drawn as before.
    expect(await one<string>('rehearsal_mask.phone($1)', ['+44 20 7946 0958'])).not.toMatch(/^\+44 0/);
  });

  it('puts new digits into any template in order, keeping every other character where it was', async () => {
    const cases: [string, string][] = [
      ['+44 7700 900123', '+12 3456 789012'], ['(555) 123-4567', '(123) 456-7890'], ['12345', '12345'],
      ['a1b2c3', 'a1b2c3'], ['9 ', '1 '], ['no digits', 'no digits'], ['', ''], ['0033 6 12', '1234 5 67'],
    ];
    for (const [template, expected] of cases) {
      expect(await one<string>('rehearsal_mask.put_digits($1, $2)', [template, '1234567890123456'])).toBe(expected);
    }
  });

  it('picks names from the dictionaries and the same fake for the same input', async () => {
    const first = await one<string>(`rehearsal_mask.full_name('Annabel Smithers')`);
    const again = await one<string>(`rehearsal_mask.full_name('Annabel Smithers')`);
    const inDictionary = await one<boolean>(`rehearsal_mask.fake_shaped('fullName', $1)`, [first]);

    expect(again).toBe(first);
    expect(first).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(inDictionary).toBe(true);
  });

  it('scrubs free text with the same fakes the columns get, leaving order numbers and dates alone', async () => {
    const text = 'Mail ann@x.org, call +44 7700 900123, card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, ip 8.8.4.4, order ORD-0012345678 on 01.02.2024';
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
    const email = await one<string>(`rehearsal_mask.email('ann@x.org')`);
    const phone = await one<string>(`rehearsal_mask.phone('+44 7700 900123')`);

    expect(scrubbed).toContain(email);
    expect(scrubbed).toContain(phone);
    for (const original of ['ann@x.org', '7700 900123', '4111 1111 1111 1111', 'GB82 WEST', '8.8.4.4']) expect(scrubbed).not.toContain(original);
    expect(scrubbed).toContain('order ORD-0012345678 on 01.02.2024');
    const residual = await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed]);
    expect(residual.rows).toEqual([]);
  });

  it('replaces a token that starts or ends a longer one of the same text where it stands alone, and the longer one whole by its own fake', async () => {
    const cases: [text: string, kind: string, short: string, long: string][] = [
      ['from 81.2.69.1 and 81.2.69.10 today', 'ip', '81.2.69.1', '81.2.69.10'],
      ['mail bob@corp.com or bob@corp.com.au now', 'email', 'bob@corp.com', 'bob@corp.com.au'],
      ['mail ann@x.io or joann@x.io now', 'email', 'ann@x.io', 'joann@x.io'],
      ['call +44 20 7946 0958 or +44 20 7946 09581', 'phone', '+44 20 7946 0958', '+44 20 7946 09581'],
    ];
    for (const [text, kind, short, long] of cases) {
      const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
      const [shortFake, longFake] = [await one<string>(`rehearsal_mask.${kind}($1)`, [short]), await one<string>(`rehearsal_mask.${kind}($1)`, [long])];

      expect(scrubbed).toBe(text.replace(long, longFake).replace(short, shortFake));
      expect((await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed])).rows).toEqual([]);
    }
  });

  it('removes live credentials from free text, before the digits inside them could be read as numbers', async () => {
    const slack = CREDENTIAL_SAMPLES['Slack token'];
    const aws = CREDENTIAL_SAMPLES['AWS access key'];
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [`bot token ${slack}, key=${aws}; mail ann@x.org`]);

    expect(scrubbed).toBe(`bot token [redacted credential], key=[redacted credential]; mail ${await one<string>(`rehearsal_mask.email('ann@x.org')`)}`);
    // A URL's password goes with its user and host, which the email detector would otherwise read as an email.
    const database = CREDENTIAL_SAMPLES['password in a URL'];
    expect(await one<string>('rehearsal_mask.scrub_text($1)', [`DATABASE_URL=${database}:5432/app`])).toBe('DATABASE_URL=[redacted credential]:5432/app');
  });

  it('scrubs percent-encoded emails and phone numbers in links (spaces as %20 too) with the fakes of the decoded values, encoded the same way', async () => {
    const link = 'https://bot.example.com/reset?email=ann.smith%40gmail.com&to=bob%2Btest%40yahoo.com&tel=%2B447700900123&alt=%2B44%207700%20900124&order=ORD-0012345678';
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [link]);
    const fake = async (sql: string): Promise<string> => one<string>(sql);

    expect(scrubbed).toBe('https://bot.example.com/reset?email='
      + (await fake(`rehearsal_mask.email('ann.smith@gmail.com')`)).replace('@', '%40')
      + '&to=' + (await fake(`rehearsal_mask.email('bob+test@yahoo.com')`)).replace('@', '%40')
      + '&tel=' + (await fake(`rehearsal_mask.phone('+447700900123')`)).replace('+', '%2B')
      + '&alt=' + (await fake(`rehearsal_mask.phone('+44 7700 900124')`)).replace('+', '%2B').replace(/ /g, '%20')
      + '&order=ORD-0012345678');
    const residual = await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed]);
    expect(residual.rows).toEqual([]);
  });

  it('scrubs a percent-encoded phone number after an encoded space, and one with a number after it, as the decoded text reads them', async () => {
    const link = 'https://bot.example.com/log?q=call%20%2B44%207700%20900125%20now&m=phone%20%2B447700900126%2012';
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [link]);
    const decoded = (text: string): string => text.replace(/%2B/g, '+').replace(/%20/g, ' ');

    expect(scrubbed).toMatch(/^https:\/\/bot\.example\.com\/log\?q=call%20%2B44%20[0-9]{4}%20[0-9]{6}%20now&m=phone%20%2B44[0-9]{10}%20[0-9]{2}$/);
    expect(scrubbed).toContain((await one<string>(`rehearsal_mask.phone('+44 7700 900125')`)).replace('+', '%2B').replace(/ /g, '%20'));
    expect(scrubbed).not.toContain('7700900126');
    // Read as verify reads it (decoded), the scrubbed link quotes no PII; the original quotes both numbers.
    const found = async (text: string) => (await client().query<{ token: string }>('SELECT token FROM rehearsal_mask.pii_found($1) ORDER BY token', [decoded(text)])).rows.map((row) => row.token);
    expect(await found(link)).toEqual(['+44 7700 900125', '+447700900126 12']);
    expect(await found(scrubbed)).toEqual([]);
  });

  it('scrubs a base64 webhook body of ASCII text decoded, encoding its fakes the same way, and leaves hashes, random tokens and other text alone', async () => {
    const form = 'From=%2B14155552671&Body=Hi+from+ann.smith%40gmail.com';
    const random = base64Of(Buffer.from(DIGEST_HEX, 'hex'));
    const accented = base64Of('Jos\u00e9: ann.smith@gmail.com');
    const event = `{"isBase64Encoded":true,"body":"${base64Of(form)}","token":"${random}","hash":"${DIGEST_HEX}","note":"${accented}"}`;

    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [event]);

    const body = /"body":"([^"]+)"/.exec(scrubbed)?.[1] ?? '';
    expect(Buffer.from(body, 'base64').toString()).toBe('From=' + (await one<string>(`rehearsal_mask.phone('+14155552671')`)).replace('+', '%2B')
      + '&Body=Hi+from+' + (await one<string>(`rehearsal_mask.email('ann.smith@gmail.com')`)).replace('@', '%40'));
    // Bytes that are not ASCII text would not survive decoding and encoding again: verify reads them instead.
    expect(scrubbed.replace(body, '')).toBe(event.replace(base64Of(form), ''));
  });

  it('reads a number after or holding a + as a number, since + is a space in a form body; digits before an @ stay part of the email', async () => {
    const body = 'Body=Call+me+at+415-867-5309+please&Tag=bob+12345678%40x.org&Phone=%2B44+7700+900123';
    const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1) ORDER BY kind', [body]);
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [body]);

    expect(found.rows).toEqual([{ kind: 'email', token: 'bob+12345678@x.org' }, { kind: 'phone', token: '415-867-5309' }, { kind: 'phone', token: '+44+7700+900123' }]);
    expect(scrubbed).toBe(`Body=Call+me+at+${await one<string>(`rehearsal_mask.phone('415-867-5309')`)}+please&Tag=bob+${(await one<string>(`rehearsal_mask.email('12345678@x.org')`)).replace('@', '%40')}`
      + `&Phone=${(await one<string>(`rehearsal_mask.phone('+44+7700+900123')`)).replace('+', '%2B')}`);
    expect(scrubbed).toMatch(/&Phone=%2B44\+[0-9]{4}\+[0-9]{6}$/);
  });

  it('scrubs a phone number written with no-break spaces or a non-breaking hyphen, keeping those in its fake', async () => {
    const number = '+1 (650) 555\u20111234'.replace(/ /g, '\u00a0');
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [`call ${number} now`]);

    expect(scrubbed).toBe(`call ${await one<string>('rehearsal_mask.phone($1)', [number])} now`);
    expect(scrubbed).toMatch(/^call \+1\u00a0\(\d{3}\)\u00a0\d{3}\u2011\d{4} now$/);
    expect(scrubbed).not.toContain('555');
  });

  it('scrubs and finds a phone number that starts the text, reading its + or ( as part of it', async () => {
    for (const number of ['+44 7700 900123', '(555) 234-5678']) {
      const fake = await one<string>('rehearsal_mask.phone($1)', [number]);
      for (const text of [number, `${number} is my number`]) {
        const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
        const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1)', [text]);

        expect(scrubbed).toBe(text.replace(number, fake));
        expect(found.rows).toEqual([{ kind: 'phone', token: number }]);
      }
    }
  });

  it('scrubs a card, phone number or IPv4 address written against other digits, and only that part of the run', async () => {
    for (const [text, part, fake] of WRITTEN_AGAINST_DIGITS) {
      const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);

      expect({ text, scrubbed }).toEqual({ text, scrubbed: text.replace(part, await one<string>(`rehearsal_mask.${fake}($1)`, [part])) });
      expect((await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed])).rows).toEqual([]);
    }
  });

  it('finds a card, phone number or IPv4 address written against other digits as that part of the run', async () => {
    for (const [text, part, fake] of WRITTEN_AGAINST_DIGITS) {
      const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1)', [text]);

      expect({ text, found: found.rows }).toEqual({ text, found: [{ kind: fake === 'ip' ? 'ipv4' : fake, token: part }] });
    }
  });

  it('scrubs and finds a phone number written after a time (`at 10:30 07700 900123`, a chat export\'s `21:29 - …`), and leaves the time as it is', async () => {
    // Before, a run of digits started after any colon: the minutes and the phone number made one run, no phone number's.
    const cases: [text: string, phone: string][] = [['call me at 10:30 07700 900123', '07700 900123'], ['15/11/2026, 21:29 - 07700 900123: hi', '07700 900123'],
      ['2026-11-27T12:00:01 +44 7700 900123', '+44 7700 900123'], ['[12:00:01] 415-555-0132', '415-555-0132'], ['Tel:07700900123', '07700900123']];
    const rows = await scrubbedWithFound(cases.map(([text]) => text));
    const fakes = await eachValue<string>('rehearsal_mask.phone(v)', cases.map(([, phone]) => phone));

    expect(rows.map((row) => row.found)).toEqual(cases.map(([, phone]) => [`phone ${phone}`]));
    expect(rows.map((row) => row.scrubbed)).toEqual(cases.map(([text, phone], i) => text.replace(phone, fakes[i] ?? '')));
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs and finds phone and identity numbers written beside other numbers with a space between, cards among other numbers, and numbers after a parenthesis or before a colon', async () => {
    // Before, the digits detector read each of these runs as one number, and none of these kinds: scrub kept them, and verify did not see them.
    const cases: [text: string, parts: [kind: string, token: string][]][] = [
      ['12.05.2024 07700 900123', [['phone', '07700 900123']]],
      ['ticket 1234 07700 900123', [['phone', '07700 900123']]],
      ['qty 3 06 12 34 56 78', [['phone', '06 12 34 56 78']]],
      ['order 4521 415-555-0132', [['phone', '415-555-0132']]],
      ['order 4521 (415) 555-0132', [['phone', '(415) 555-0132']]],
      ['call 415-555-0976 70 Calle Mayor', [['phone', '415-555-0976']]],
      ['SSN 078-05-1120 07700 900123', [['ssn', '078-05-1120'], ['phone', '07700 900123']]],
      ['+1 874-633-3255 141-60-6988', [['phone', '+1 874-633-3255'], ['ssn', '141-60-6988']]],
      ['+1 430-390-6051) 02 2658 1200', [['phone', '+1 430-390-6051'], ['phone', '02 2658 1200']]],
      ['aadhaar 2345 6789 0124 07700 900123', [['aadhaar', '2345 6789 0124'], ['phone', '07700 900123']]],
      // Two SSNs pass a card's Luhn sum as one number: no card is written so.
      ['330-09-5301 083-95-2076', [['ssn', '330-09-5301'], ['ssn', '083-95-2076']]],
      ['78040883075 4943-4413-5126-3205 83962186417', [['card', '4943-4413-5126-3205']]],
      ['94020803321 375368191004322 07374 392805', [['card', '375368191004322'], ['phone', '07374 392805']]],
      ['+33744314785 8.106.142.71', [['phone', '+33744314785'], ['ipv4', '8.106.142.71']]],
      ['paid (4111 1111 1111 1111) today', [['card', '4111 1111 1111 1111']]],
      ['ssn (078-05-1120)', [['ssn', '078-05-1120']]],
      // A phone after such a parenthesis gets the very fake its column would (no other attempt).
      ['call (07700 900123 12', [['phone', '(07700 900123 12']]],
      ['from 2a00:1450:4001:81f::200e: connection reset', [['ipv6', '2a00:1450:4001:81f::200e']]],
    ];
    const rows = await scrubbedWithFound(cases.map(([text]) => text));
    const fakeOf = { phone: 'phone', ssn: 'ssn', aadhaar: 'aadhaar', card: 'card', ipv4: 'ip', ipv6: 'ip' } as const;
    const expected: string[] = [];
    for (const [text, parts] of cases) {
      let scrubbed = text;
      for (const [kind, token] of parts) scrubbed = scrubbed.replace(token, await one<string>(`rehearsal_mask.${fakeOf[kind as keyof typeof fakeOf]}($1)`, [token]));
      expected.push(scrubbed);
    }

    expect(rows.map((row, i) => ({ text: cases[i]?.[0], found: [...row.found].sort() }))).toEqual(cases.map(([text, parts]) => ({ text, found: parts.map(([kind, token]) => `${kind} ${token}`).sort() })));
    expect(rows.map((row) => row.scrubbed)).toEqual(expected);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('gives a North American number a fake whose area code and exchange start with 2 to 9, keeping a country code 1 written without its +', async () => {
    // A fake exchange starting with 0 was read, after a space, as a trunk 0 and a phone number of its own.
    const numbers = Array.from({ length: 40 }, (_, i) => [`415-555-${String(1000 + i)}`, `1 415 555 ${String(2000 + i)}`, `+1 (415) 555-${String(3000 + i)}`]).flat();
    const fakes = await eachValue<string>('rehearsal_mask.phone(v)', numbers);

    for (const fake of fakes) expect(fake.replace(/^\+?1[ (]+/, '').replace(/[^0-9]/g, '')).toMatch(/^[2-9][0-9]{2}[2-9][0-9]{6}$/);
    expect(fakes.filter((_, i) => i % 3 === 1).every((fake) => fake.startsWith('1 '))).toBe(true);
    expect(await eachValue<boolean>('rehearsal_mask.is_fake_phone(v)', fakes)).toEqual(fakes.map(() => true));
  });

  it('reads two phone numbers written side by side with a space, the first not taking the trunk 0 of the next or an SSN\'s first group, and reads their fakes so too', async () => {
    // Before, the first number took up to 15 digits: the next one's trunk 0 or first group went with it, and its other digits stayed.
    const cases: [text: string, found: string[]][] = [
      ['call 02 88916464 02 54690732 please', ['phone 02 88916464', 'phone 02 54690732']],
      ['tel +44 20 7946 0958 02 5469 0732', ['phone +44 20 7946 0958', 'phone 02 5469 0732']],
      ['01 23 45 67 89 06 12 34 56 78', ['phone 01 23 45 67 89', 'phone 06 12 34 56 78']],
      ['0161 496 0123 0161 496 0456 0161 496 0789', ['phone 0161 496 0123', 'phone 0161 496 0456', 'phone 0161 496 0789']],
      ['call 06 07 95 93 67 336 95 7727', ['phone 06 07 95 93 67', 'ssn 336 95 7727']],
      // Where the rest is no phone number, the first takes what it took before.
      ['call 02 88916464 12 5469', ['phone 02 88916464 12']],
    ];
    const rows = await scrubbedWithFound(cases.map(([text]) => text));

    expect(rows.map((row, i) => ({ text: cases[i]?.[0], found: row.found }))).toEqual(cases.map(([text, found]) => ({ text, found })));
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
    for (const [i, [, found]] of cases.entries()) {
      for (const token of found) expect(rows[i]?.scrubbed.replace(/[^0-9]/g, '')).not.toContain(token.replace(/[^0-9]/g, '').slice(1));
    }
  });

  it('gives numbers written side by side fakes that read as the parts they replaced, whatever digits the fakes draw', async () => {
    // A phone fake's later group may start with 0, where a phone number would end before it: such a fake
    // is drawn again. 600 texts of two or three numbers of seven layouts, a count between some.
    const random = seededRandom(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const layouts = [[2, 8], [3, 4, 4], [4, 3, 4], [5, 6], [2, 2, 2, 2, 2], [4, 4, 3], [3, 3, 4]];
    const digits = (count: number): string => Array.from({ length: count }, () => String(Math.floor(random() * 10))).join('');
    const phone = (): string => pick(layouts).map((length, g) => (g === 0 ? `0${String(1 + Math.floor(random() * 9))}${digits(length - 2)}` : digits(length))).join(' ');
    const written = Array.from({ length: 600 }, () => Array.from({ length: 2 + Math.floor(random() * 2) }, () => ({ count: random() < 0.2 ? `${digits(2)} ` : '', phone: phone() })));
    const texts = written.map((numbers) => numbers.map(({ count, phone: number }) => count + number).join(' '));
    const scrubbed = await eachValue<string>('rehearsal_mask.scrub_text(v)', texts);
    // The phone numbers each text is read to hold, as kinds and lengths (a fake is as long as its original).
    const phonesIn = (values: readonly string[]): Promise<string[]> =>
      eachValue<string>(`coalesce((SELECT string_agg(kind || ' ' || length(token), ', ') FROM rehearsal_mask.pii_tokens(v) WHERE kind = 'phone'), '')`, values);
    const before = await phonesIn(texts);

    // Each text's fakes are read as the numbers they replaced, and none of them as PII (cards' and
    // identity numbers' fakes fail their checks: they are read as none).
    expect((await phonesIn(scrubbed)).map((found, i) => ({ text: texts[i], found }))).toEqual(before.map((found, i) => ({ text: texts[i], found })));
    expect(await foundIn(scrubbed)).toEqual([]);
    expect(before.filter((found) => found.includes(', ')).length).toBeGreaterThan(450);
    // And no number written is left as it was.
    expect(written.flatMap((numbers, i) => numbers.filter(({ phone: number }) => scrubbed[i]?.includes(number)).map(({ phone: number }) => ({ text: texts[i], number })))).toEqual([]);
  });

  it('scrubs an IPv6 address written after a number, and its fake (2001:db8:…, starting with digits) is not read into the number before it', async () => {
    // Before, the phone number's run took the fake's first group: its fake replaced 2001, and the address left the documentation range.
    const address = '2a00:1450:4009:81f::200e';
    const cases: [text: string, phone: string | undefined][] = [[`07632 294457 ${address}`, '07632 294457'], [`call +44 7700 900123 (${address})`, '+44 7700 900123'],
      [`2026-11-27 ${address} GET /`, undefined]];
    const rows = await scrubbedWithFound(cases.map(([text]) => text));
    const fake = await one<string>('rehearsal_mask.ip($1)', [address]);
    const phoneFakes = await eachValue<string>('rehearsal_mask.phone(v)', cases.map(([, phone]) => phone ?? ''));

    expect(fake).toMatch(/^2001:db8:/);
    expect(rows.map((row) => [...row.found].sort())).toEqual(cases.map(([, phone]) => [`ipv6 ${address}`, ...(phone === undefined ? [] : [`phone ${phone}`])]));
    expect(rows.map((row) => row.scrubbed)).toEqual(cases.map(([text, phone], i) => (phone === undefined ? text : text.replace(phone, phoneFakes[i] ?? '')).replace(address, fake)));
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs and finds every part of a run holding several: a card then a phone, two phones', async () => {
    const cases: [text: string, parts: [kind: string, part: string][]][] = [
      ['4539 1488 0343 6467 +44 7700 912345', [['card', '4539 1488 0343 6467'], ['phone', '+44 7700 912345']]],
      ['+44 7700 912345 +33 6 12 34 56 79', [['phone', '+44 7700 912345'], ['phone', '+33 6 12 34 56 79']]],
    ];
    for (const [text, parts] of cases) {
      const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
      const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1) ORDER BY position(token IN $1)', [text]);

      let expected = text;
      for (const [kind, part] of parts) expected = expected.replace(part, await one<string>(`rehearsal_mask.${kind}($1)`, [part]));
      expect(scrubbed).toBe(expected);
      expect(found.rows.map(({ kind, token }) => [kind, token])).toEqual(parts);
    }
  });

  it('leaves no card in a run whose card it scrubbed: the run around the fake, or a part of it, is never Luhn-valid', async () => {
    // Card then CVV, count then card, card then expiry month, and a 19-digit card (whole, or 16 digits and a CVV): a hundred of each.
    const texts = Array.from({ length: 100 }, (_, i) => [
      `card 4539 1488 0343 6467 ${100 + i}`, `${i + 1} 4539 1488 0343 6467`, `4539 1488 0343 6467 ${String(i % 12 + 1).padStart(2, '0')}/${27 + Math.floor(i / 12)}`,
      `6304 0000 0000 0000 ${String(i).padStart(3, '0')}`,
    ]).flat();
    const { rows } = await client().query<{ t: string; scrubbed: string; found: number; whole: boolean }>(
      `SELECT u.t, s.scrubbed, (SELECT count(*)::int FROM rehearsal_mask.pii_found(s.scrubbed)) AS found,
              EXISTS (SELECT 1 FROM regexp_matches(' ' || u.t, ${quoteLiteral(DETECTORS.digits)}, 'g') AS x WHERE rehearsal_mask.digit_kind(x[1]) = 'card') AS whole
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i), rehearsal_mask.scrub_text(u.t) AS s(scrubbed) ORDER BY u.i`, [texts]);

    expect(rows.filter((row) => row.found > 0 || row.scrubbed.includes('4539 1488 0343 6467') || row.scrubbed.includes('6304 0000'))).toEqual([]);
    // The CVV, the count and the expiry date are kept, where the run is no card as a whole (a run that
    // is, one time in ten by chance, is replaced whole, as a card of 17 to 19 digits).
    const kept = rows.filter((row, i) => i % 4 < 3 && !row.whole);
    expect(kept.length).toBeGreaterThan(200);
    expect(kept.filter((row) => row.scrubbed.replace(/4000 [0-9]{4} [0-9]{4} [0-9]{4}/, '') !== row.t.replace('4539 1488 0343 6467', ''))).toEqual([]);
  });

  it('leaves timestamps, dates, order numbers, prices, versions, chat ids, IBANs and UUIDs alone, and finds nothing in them', async () => {
    const { rows } = await client().query<{ t: string; scrubbed: string; found: string[] }>(
      `SELECT u.t, rehearsal_mask.scrub_text(u.t) AS scrubbed, array(SELECT kind || ' ' || token FROM rehearsal_mask.pii_found(u.t)) AS found
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, [DIGITS_NO_PII]);

    expect(rows).toEqual(DIGITS_NO_PII.map((t) => ({ t, scrubbed: t, found: [] })));
  });

  it('scrubs public IPv6 addresses in any text form, leaving reserved ones, times and MAC addresses', async () => {
    const text = 'login from 2a00:1450:4009:81f::200e, [2606:4700:4700::1111]:443 and ::ffff:8.8.8.8; fe80::1, 2001:db8::5, at 10:30:00, mac 00:1a:2b:3c:4d:5e';
    const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
    const fake = (address: string): Promise<string> => one<string>('rehearsal_mask.ip($1)', [address]);

    expect(scrubbed).toBe(`login from ${await fake('2a00:1450:4009:81f::200e')}, [${await fake('2606:4700:4700::1111')}]:443 and ${await fake('::ffff:8.8.8.8')}; fe80::1, 2001:db8::5, at 10:30:00, mac 00:1a:2b:3c:4d:5e`);
    expect(scrubbed).toMatch(/^login from 2001:db8:/);
    const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1)', ['seen 2A00:1450:4009:081F:0:0:0:200E and fe80::1']);
    // Reported as PostgreSQL writes the address, so any form of it meets the fingerprint of another.
    expect(found.rows).toEqual([{ kind: 'ipv6', token: '2a00:1450:4009:81f::200e' }]);
  });

  it('reports percent-encoded PII in unmasked text decoded, so it meets the fingerprints of the plain originals', async () => {
    const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1) ORDER BY kind, token',
      ['/reset?email=Ann.Smith%40gmail.com&tel=%2b447700900123&alt=%2B44%207700%20900124']);

    expect(found.rows).toEqual([{ kind: 'email', token: 'Ann.Smith@gmail.com' }, { kind: 'phone', token: '+44 7700 900124' }, { kind: 'phone', token: '+447700900123' }]);
  });

  it('finds every kind of PII the detectors know in unmasked text', async () => {
    const found = await client().query<{ kind: string }>('SELECT kind FROM rehearsal_mask.pii_found($1) ORDER BY kind',
      ['ann@x.org, +44 7700 900123, 4111 1111 1111 1111, GB82 WEST 1234 5698 7654 32, 8.8.4.4, ssn 123-45-6789, SIN 130 692 544, CPF 529.982.247-25, NI JG 10 37 59 A, Aadhaar 2345 6789 0124, PAN AFZPK7190K, DNI 12345678Z, CURP GODE561231HDFRRN00, CF RSSMRA85T10A562S, BSN 123456782, PESEL 44051401359, RUT 12.345.678-5 and test@example.com, 192.0.2.1']);

    expect(found.rows.map((row) => row.kind)).toEqual(['aadhaar', 'bsn', 'card', 'codice_fiscale', 'cpf', 'curp', 'dni', 'email', 'iban', 'ipv4', 'nino', 'pan', 'pesel', 'phone', 'rut', 'sin', 'ssn']);
  });

  it('scrubs a US Social Security number grouped 3-2-4 wherever it stands, and as nine bare digits where the text calls it one, with fakes never issued (area 666)', async () => {
    const texts = ['my ssn is 123-45-6789, ok', 'SSN: 123 45 6789', 'ssn 123456789', 'My SSN#: 123456789.', 'social security number is 123456789', 'ITIN 912781234', 'old card 012-34-5678'];
    const rows = await scrubbedWithFound(texts);
    const fake = await one<string>(`rehearsal_mask.ssn('123-45-6789')`);

    expect(fake).toMatch(/^666-(0[1-9]|[1-9][0-9])-[0-9]{4}$/);
    // One fake for the same digits however they are grouped.
    expect(rows.map((row) => row.scrubbed).slice(0, 5)).toEqual([`my ssn is ${fake}, ok`, `SSN: ${fake.replaceAll('-', ' ')}`, `ssn ${fake.replaceAll('-', '')}`,
      `My SSN#: ${fake.replaceAll('-', '')}.`, `social security number is ${fake.replaceAll('-', '')}`]);
    expect(rows.map((row) => row.found)).toEqual([['ssn 123-45-6789'], ['ssn 123 45 6789'], ['ssn 123456789'], ['ssn 123456789'], ['ssn 123456789'], ['ssn 912781234'], ['ssn 012-34-5678']]);
    for (const { scrubbed } of rows) expect(scrubbed).toMatch(/666/);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a Brazilian CPF with valid check digits, written 123.456.789-09 wherever it stands and as eleven bare digits where the text calls it one, with fakes whose check digits fail', async () => {
    const texts = ['CPF: 529.982.247-25', 'meu cpf é 52998224725', 'cpf nº 52998224725.', 'CPF número 52998224725', 'titular 529.982.247-25 ok'];
    const rows = await scrubbedWithFound(texts);
    const fake = await one<string>(`rehearsal_mask.cpf('529.982.247-25')`);
    const bare = fake.replace(/[.-]/g, '');

    expect(fake).toMatch(/^[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}$/);
    expect(await one<boolean>('rehearsal_mask.cpf_valid($1)', [fake])).toBe(false);
    expect(rows.map((row) => row.scrubbed)).toEqual([`CPF: ${fake}`, `meu cpf é ${bare}`, `cpf nº ${bare}.`, `CPF número ${bare}`, `titular ${fake} ok`]);
    expect(rows.map((row) => row.found)).toEqual([['cpf 529.982.247-25'], ['cpf 52998224725'], ['cpf 52998224725'], ['cpf 52998224725'], ['cpf 529.982.247-25']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a Canadian SIN with a valid Luhn sum where the text calls it one, grouped 3-3-3 or bare, with fakes whose Luhn sum fails', async () => {
    const texts = ['SIN: 130 692 544', 'my sin number is 130692544', 'sin 130-692-544 ok', 'social insurance number 130692544', 'NAS 130692544'];
    const rows = await scrubbedWithFound(texts);
    const fake = await one<string>(`rehearsal_mask.sin('130 692 544')`);
    const bare = fake.replaceAll(' ', '');

    expect(fake).toMatch(/^[1-79][0-9]{2} [0-9]{3} [0-9]{3}$/);
    expect(await one<number>('rehearsal_mask.luhn_sum($1) % 10', [bare])).not.toBe(0);
    // One fake for the same digits however they are grouped.
    expect(rows.map((row) => row.scrubbed)).toEqual([`SIN: ${fake}`, `my sin number is ${bare}`, `sin ${fake.replaceAll(' ', '-')} ok`, `social insurance number ${bare}`, `NAS ${bare}`]);
    expect(rows.map((row) => row.found)).toEqual([['sin 130 692 544'], ['sin 130692544'], ['sin 130-692-544'], ['sin 130692544'], ['sin 130692544']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a UK National Insurance number of an allocated prefix, in any capitals and spacing, with a fake of a prefix never allocated, laid out as written', async () => {
    const texts = ['my NI number is JG 10 37 59 A.', 'nino: jg103759a', 'JG103759A', 'ref JG 103759 A ok'];
    const rows = await scrubbedWithFound(texts);
    const fake = await one<string>(`rehearsal_mask.nino('JG 10 37 59 A')`);
    const bare = fake.replaceAll(' ', '');

    expect(fake).toMatch(/^[DFIQUV][A-Z] [0-9]{2} [0-9]{2} [0-9]{2} [A-D]$/);
    // One fake for the same number however it is spaced or capitalised.
    expect(rows.map((row) => row.scrubbed)).toEqual([`my NI number is ${fake}.`, `nino: ${bare.toLowerCase()}`, bare, `ref ${bare.slice(0, 2)} ${bare.slice(2, 8)} ${bare.slice(8)} ok`]);
    expect(rows.map((row) => row.found)).toEqual([['nino JG 10 37 59 A'], ['nino jg103759a'], ['nino JG103759A'], ['nino JG 103759 A']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs an Indian Aadhaar number with a valid Verhoeff check digit, grouped 4-4-4 wherever it stands and as twelve bare digits where the text calls it one, with fakes starting 1 (never issued)', async () => {
    const texts = ['aadhaar: 2345 6789 0124', 'my aadhar no is 234567890124', 'UID 2345-6789-0124 ok', 'aadhaar card number is 234567890124.'];
    const rows = await scrubbedWithFound(texts);
    const fake = await one<string>(`rehearsal_mask.aadhaar('2345 6789 0124')`);
    const bare = fake.replaceAll(' ', '');

    expect(fake).toMatch(/^1[0-9]{3} [0-9]{4} [0-9]{4}$/);
    // The check digit of a real one: software that validates Aadhaar numbers takes the fakes.
    expect(await one<number>('rehearsal_mask.verhoeff($1, 0)', [bare])).toBe(0);
    expect(rows.map((row) => row.scrubbed)).toEqual([`aadhaar: ${fake}`, `my aadhar no is ${bare}`, `UID ${fake.replaceAll(' ', '-')} ok`, `aadhaar card number is ${bare}.`]);
    expect(rows.map((row) => row.found)).toEqual([['aadhaar 2345 6789 0124'], ['aadhaar 234567890124'], ['aadhaar 2345-6789-0124'], ['aadhaar 234567890124']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs an Indian PAN written in capitals wherever it stands, and in any capitals where the text calls it one, with a fake whose fourth letter no holder\'s kind is written with', async () => {
    const texts = ['PAN AFZPK7190K', 'my pan is AFZPK7190K.', 'kyc: AFZPK7190K, ok', 'my pan is afzpk7190k', 'PAN card no: Afzpk7190k'];
    const rows = await scrubbedWithFound(texts);
    const fake = await one<string>(`rehearsal_mask.pan('AFZPK7190K')`);

    expect(fake).toMatch(/^[A-Z]{3}[QVWXYZ][A-Z][0-9]{4}[A-Z]$/);
    // One fake however it is capitalised, in small letters where the original is.
    expect(rows.map((row) => row.scrubbed)).toEqual([`PAN ${fake}`, `my pan is ${fake}.`, `kyc: ${fake}, ok`, `my pan is ${fake.toLowerCase()}`, `PAN card no: ${fake}`]);
    expect(rows.map((row) => row.found)).toEqual([['pan AFZPK7190K'], ['pan AFZPK7190K'], ['pan AFZPK7190K'], ['pan afzpk7190k'], ['pan Afzpk7190k']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a Spanish DNI or NIE whose letter checks, in any capitals, dotted or not, with a fake whose letter does not, laid out as written', async () => {
    const texts = ['DNI: 12345678Z', 'mi dni es 12345678-z', 'DNI 12.345.678-Z', 'NIE X1234567L ok', 'nie x-1234567-l'];
    const rows = await scrubbedWithFound(texts);
    const [dni, nie] = [await one<string>(`rehearsal_mask.dni('12345678Z')`), await one<string>(`rehearsal_mask.dni('X1234567L')`)];
    const [digits, nieDigits] = [dni.slice(0, 8), nie.slice(1, 8)];

    expect(dni).toMatch(/^[0-9]{8}[A-Z]$/);
    expect(nie).toMatch(/^X[0-9]{7}[A-Z]$/);
    expect([await one<boolean>('rehearsal_mask.dni_valid($1)', [dni]), await one<boolean>('rehearsal_mask.dni_valid($1)', [nie])]).toEqual([false, false]);
    // One fake for the same number however it is written.
    expect(rows.map((row) => row.scrubbed)).toEqual([`DNI: ${dni}`, `mi dni es ${digits}-${dni.slice(8).toLowerCase()}`,
      `DNI ${digits.slice(0, 2)}.${digits.slice(2, 5)}.${digits.slice(5)}-${dni.slice(8)}`, `NIE ${nie} ok`, `nie x-${nieDigits}-${nie.slice(8).toLowerCase()}`]);
    expect(rows.map((row) => row.found)).toEqual([['dni 12345678Z'], ['dni 12345678-z'], ['dni 12.345.678-Z'], ['dni X1234567L'], ['dni x-1234567-l']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a card written after an IBAN in the same text: the IBAN fake\'s check digits 00 cover the IBAN, not the words after it', async () => {
    // Before, the whole match of the IBAN detector, `card 3706 …` included, counted as the fake IBAN's, and the card was kept.
    const card = '3706 4975 2916 532';
    const rows = await scrubbedWithFound([`IBAN ES91 2100 0418 4502 0005 1332 card ${card}`]);
    const [iban, cardFake] = [await one<string>('rehearsal_mask.iban_written($1)', ['ES91 2100 0418 4502 0005 1332']), await one<string>('rehearsal_mask.card($1)', [card])];

    expect(rows.map((row) => [...row.found].sort())).toEqual([[`card ${card}`, 'iban ES9121000418450200051332']]);
    expect(rows.map((row) => row.scrubbed)).toEqual([`IBAN ${iban} card ${cardFake}`]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('reads a DNI\'s letter after a space only in capitals: a number before Italian `e` or Spanish `y` is no DNI, and neither is its fake', async () => {
    // 12345686 checks with E, 12345693 with Y. Before, a phone number's fake before `e` was read as a DNI one time in 23.
    const rows = await scrubbedWithFound(['DNI 12345686 E', 'chiamami allo 02 12345686 e poi', 'llama al 12345693 y pregunta']);
    const { rows: fakes } = await client().query<{ n: number }>(`SELECT count(*)::int AS n FROM generate_series(1, 300) AS i,
        rehearsal_mask.scrub_text('chiamami allo 02 ' || (23456789 + i * 7919) || ' e poi') AS s(t) WHERE EXISTS (SELECT 1 FROM rehearsal_mask.pii_found(s.t))`);

    expect(rows.map((row) => row.found)).toEqual([['dni 12345686 E'], ['phone 02 12345686'], []]);
    expect(rows[2]?.scrubbed).toBe('llama al 12345693 y pregunta');
    expect(fakes[0]?.n).toBe(0);
  });

  it('gives National Insurance numbers fakes whose prefix is no IBAN\'s country, so the words after one never make an IBAN', async () => {
    const prefixes = await one<string[]>(`array(SELECT DISTINCT left(rehearsal_mask.nino('JG' || lpad((i * 7919 % 1000000)::text, 6, '0') || 'A'), 2) FROM generate_series(1, 300) AS i)`);

    expect(prefixes.length).toBeGreaterThan(40);
    expect(prefixes.filter((prefix) => prefix in IBAN_LENGTHS)).toEqual([]);
  });

  it('scrubs a Mexican CURP whose check digit is right, in any capitals, with a fake whose check digit is wrong', async () => {
    const texts = ['CURP: GODE561231HDFRRN00', 'mi curp es gode561231hdfrrn00.', 'ok BADD110313HCMLNS06 ok'];
    const rows = await scrubbedWithFound(texts);
    const [fake, other] = [await one<string>(`rehearsal_mask.curp('GODE561231HDFRRN00')`), await one<string>(`rehearsal_mask.curp('BADD110313HCMLNS06')`)];

    expect(fake).toMatch(/^[A-Z][AEIOU][A-Z]{2}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[HM][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9][0-9]$/);
    expect(await one<boolean>('rehearsal_mask.curp_valid($1)', [fake])).toBe(false);
    expect(rows.map((row) => row.scrubbed)).toEqual([`CURP: ${fake}`, `mi curp es ${fake.toLowerCase()}.`, `ok ${other} ok`]);
    expect(rows.map((row) => row.found)).toEqual([['curp GODE561231HDFRRN00'], ['curp gode561231hdfrrn00'], ['curp BADD110313HCMLNS06']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs an Italian codice fiscale whose check letter is right, in any capitals and with letters for digits (omocodia), with a fake whose check letter is wrong', async () => {
    const texts = ['codice fiscale: RSSMRA85T10A562S', 'il mio cf è bncgli70m41h501r.', 'CF RSSMRA85T10A56NH ok'];
    const rows = await scrubbedWithFound(texts);
    const fakes = await eachValue<string>('rehearsal_mask.codice_fiscale(v)', ['RSSMRA85T10A562S', 'BNCGLI70M41H501R', 'RSSMRA85T10A56NH']);

    for (const fake of fakes) expect(fake).toMatch(/^[A-Z]{6}[0-9]{2}[ABCDEHLMPRST](0[1-9]|[12][0-9]|4[1-9]|5[0-9]|6[0-8])[A-M][0-9]{3}[A-Z]$/);
    expect(await eachValue('rehearsal_mask.codice_fiscale_valid(v)', ['RSSMRA85T10A562S', 'RSSMRA85T10A56NH', ...fakes])).toEqual([true, true, false, false, false]);
    // A woman's day of birth (plus 40) stays a woman's, a man's a man's.
    expect(fakes.map((fake) => Number(fake.slice(9, 11)) > 40)).toEqual([false, true, false]);
    expect(rows.map((row) => row.scrubbed)).toEqual([`codice fiscale: ${fakes[0]}`, `il mio cf è ${fakes[1]?.toLowerCase()}.`, `CF ${fakes[2]} ok`]);
    expect(rows.map((row) => row.found)).toEqual([['codice_fiscale RSSMRA85T10A562S'], ['codice_fiscale bncgli70m41h501r'], ['codice_fiscale RSSMRA85T10A56NH']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a Dutch BSN passing the eleven test where the text calls it one, bare or grouped 4-2-3, with fakes that fail it', async () => {
    const texts = ['BSN: 123456782', 'mijn bsn-nummer is 1234.56.782.', 'burgerservicenummer 111222333', 'sofinummer: 1112 22 333'];
    const rows = await scrubbedWithFound(texts);
    const [fake, other] = [await one<string>(`rehearsal_mask.bsn('123456782')`), await one<string>(`rehearsal_mask.bsn('111222333')`)];

    // Never starting 0: a phone number's trunk 0.
    expect([fake, other]).toEqual([expect.stringMatching(/^[1-9][0-9]{8}$/), expect.stringMatching(/^[1-9][0-9]{8}$/)]);
    // Nine zeros pass the eleven test, but are no one's.
    expect(await eachValue('rehearsal_mask.bsn_valid(v)', [fake, other, '000000000'])).toEqual([false, false, false]);
    // One fake for the same digits however they are grouped.
    expect(rows.map((row) => row.scrubbed)).toEqual([`BSN: ${fake}`, `mijn bsn-nummer is ${fake.slice(0, 4)}.${fake.slice(4, 6)}.${fake.slice(6)}.`,
      `burgerservicenummer ${other}`, `sofinummer: ${other.slice(0, 4)} ${other.slice(4, 6)} ${other.slice(6)}`]);
    expect(rows.map((row) => row.found)).toEqual([['bsn 123456782'], ['bsn 1234.56.782'], ['bsn 111222333'], ['bsn 1112 22 333']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a Polish PESEL of a valid date and check digit where the text calls it one, with a fake whose check digit is wrong', async () => {
    const texts = ['PESEL: 44051401359', 'numer PESEL to 02270803624.', 'mój pesel jest 44051401359'];
    const rows = await scrubbedWithFound(texts);
    const [fake, other] = [await one<string>(`rehearsal_mask.pesel('44051401359')`), await one<string>(`rehearsal_mask.pesel('02270803624')`)];

    // A date of birth in the original's century (a month plus 20 from 2000), a day up to 28, a year not starting 0 (a trunk 0).
    expect(fake).toMatch(/^[1-9][0-9](0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{5}$/);
    expect(other).toMatch(/^[1-9][0-9](2[1-9]|3[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{5}$/);
    expect(await eachValue('rehearsal_mask.pesel_valid(v)', ['44051401359', '02270803624', fake, other])).toEqual([true, true, false, false]);
    expect(rows.map((row) => row.scrubbed)).toEqual([`PESEL: ${fake}`, `numer PESEL to ${other}.`, `mój pesel jest ${fake}`]);
    expect(rows.map((row) => row.found)).toEqual([['pesel 44051401359'], ['pesel 02270803624'], ['pesel 44051401359']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('scrubs a Chilean RUT whose check is right, dotted wherever it stands and without dots where the text calls it one, with a fake whose check is wrong', async () => {
    const texts = ['RUT: 12.345.678-5', 'mi rut es 12345678-5.', 'cliente 7.654.321-6 ok', 'RUN 6.123.456-k', 'rut nº 16543210-K'];
    const rows = await scrubbedWithFound(texts);
    const fakes = await eachValue<string>('rehearsal_mask.rut(v)', ['12.345.678-5', '7.654.321-6', '6.123.456-k', '16543210-K']);
    const [rut = '', short = '', withK = '', bare = ''] = fakes;

    // A check digit, or a K where the original has one, in its capitals.
    expect([rut, short, withK, bare]).toEqual([expect.stringMatching(/^[1-9][0-9]\.[0-9]{3}\.[0-9]{3}-[0-9]$/), expect.stringMatching(/^[1-9]\.[0-9]{3}\.[0-9]{3}-[0-9]$/),
      expect.stringMatching(/^[1-9]\.[0-9]{3}\.[0-9]{3}-k$/), expect.stringMatching(/^[1-9][0-9]{7}-K$/)]);
    expect(await eachValue(`rehearsal_mask.rut_in(v, 'rut ' || v)`, ['12.345.678-5', '6.123.456-k', '16543210-K', ...fakes])).toEqual([true, true, true, false, false, false, false]);
    // One fake for the same number however it is written.
    expect(rows.map((row) => row.scrubbed)).toEqual([`RUT: ${rut}`, `mi rut es ${rut.replaceAll('.', '')}.`, `cliente ${short} ok`, `RUN ${withK}`, `rut nº ${bare}`]);
    expect(rows.map((row) => row.found)).toEqual([['rut 12.345.678-5'], ['rut 12345678-5'], ['rut 7.654.321-6'], ['rut 6.123.456-k'], ['rut 16543210-K']]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
  });

  it('gives a RUT ending in K a fake ending in K, so a phone number written right after it stays one, and no fake of eight digits and a K reads as a DNI', async () => {
    // Before, the fake ended in a digit, which ran into the phone number after it: `…-4 06 50 09 35 45` is no phone number, and it was kept.
    const rows = await scrubbedWithFound(['rut 77907241-K 06 50 09 35 45', 'RUT 12.345.670-K +56 9 8765 4321']);
    const { rows: fakes } = await client().query<{ f: string; rut: boolean; dni: boolean }>(`SELECT f, rehearsal_mask.rut_in(f, 'rut ' || f) AS rut, rehearsal_mask.dni_valid(f) AS dni
        FROM generate_series(1, 300) AS i, rehearsal_mask.rut(lpad((10000000 + i * 7919)::text, 8, '0') || '-K') AS x(f)`);

    expect(rows.map((row) => [...row.found].sort())).toEqual([['phone 06 50 09 35 45', 'rut 77907241-K'], ['phone +56 9 8765 4321', 'rut 12.345.670-K']]);
    expect(rows.map((row) => row.scrubbed)).toEqual([expect.stringMatching(/^rut [1-9][0-9]{7}-K (?!06 50 09 35 45)[0-9]{2}( [0-9]{2}){4}$/),
      expect.stringMatching(/^RUT [1-9][0-9]\.[0-9]{3}\.[0-9]{3}-K \+56 [0-9] [0-9]{4} [0-9]{4}$/)]);
    expect(await foundIn(rows.map((row) => row.scrubbed))).toEqual([]);
    expect(fakes.filter((fake) => !fake.f.endsWith('-K') || fake.rut || fake.dni)).toEqual([]);
  });

  it('gives fakes of CPFs, BSNs, PESELs and RUTs that the detectors never read again, written bare, after their name or in their written form (none starts with a trunk 0, as a phone number does)', async () => {
    const kinds: [string, string, string][] = [['cpf', 'meu cpf é ', "lpad((i * 7919)::text, 11, '0')"], ['cpf', 'titular ', "'529.982.' || lpad(i::text, 3, '0') || '-25'"],
      ['bsn', 'bsn: ', "lpad((i * 7919)::text, 9, '0')"], ['pesel', 'pesel: ', "lpad((i * 7919)::text, 11, '0')"],
      ['rut', 'rut: ', "lpad((i * 7919)::text, 8, '0') || '-5'"], ['rut', 'cliente ', "'12.345.' || lpad(i::text, 3, '0') || '-K'"]];
    const found: Record<string, number> = {};
    for (const [kind, cue, originals] of kinds) {
      const { rows } = await client().query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT rehearsal_mask.${kind}(${originals}) AS f FROM generate_series(1, 300) AS i) AS x
        WHERE EXISTS (SELECT 1 FROM rehearsal_mask.pii_found('ref ' || f || ' ok')) OR EXISTS (SELECT 1 FROM rehearsal_mask.pii_found($1 || f))`, [cue]);
      found[`${kind} after '${cue}'`] = rows[0]?.n ?? -1;
    }

    expect(found).toEqual({ "cpf after 'meu cpf é '": 0, "cpf after 'titular '": 0, "bsn after 'bsn: '": 0, "pesel after 'pesel: '": 0, "rut after 'rut: '": 0, "rut after 'cliente '": 0 });
  });

  it('leaves an SSN, SIN, CPF, Aadhaar number, PAN, DNI, CURP, codice fiscale, BSN, PESEL, RUT or National Insurance number never issued (a placeholder, a fake) and digits no text calls one as they are, and finds nothing in them', async () => {
    const texts = ['placeholder 000-00-0000', 'test 123-00-4567', 'fake 666-12-3456', 'order 123456789', 'martin 123456789', 'ssn 1234567890',
      // A CPF whose check digits fail, one of one digit, a valid one no text calls a CPF.
      'cpf 529.982.247-26', 'cpf 111.111.111-11', 'pedido 52998224725',
      // A SIN whose Luhn sum fails, a Luhn-valid one starting 8 (a business number), valid ones no text calls a SIN.
      'SIN 130 692 545', 'SIN 830 692 547', 'order 130692544', 'ref 130 692 544',
      // National Insurance numbers of prefixes never allocated (HMRC's example QQ, GB, TN), and the shape glued to a word or without its suffix.
      'NI QQ 12 34 56 C', 'ref GB123456A', 'temp TN 12 34 56 A', 'code XJG103759A1', 'PO123456',
      // An Aadhaar number whose check digit fails, one starting 1 (never issued), a valid one no text calls one; a PAN-like code of no holder's kind, or glued to a word.
      'aadhaar 2345 6789 0125', 'aadhaar 1345 6789 0129', 'order 234567890124', 'ABCDE1234F', 'XAFZPK7190K',
      // A DNI whose letter does not check, and one glued to a version number.
      'ref 12345678A', 'v1.12345678Z',
      // A CURP whose check digit is wrong.
      'curp GODE561231HDFRRN05',
      // A codice fiscale whose check letter is wrong; a BSN failing the eleven test, a valid one no text calls one.
      'cf RSSMRA85T10A562T', 'bsn 123456789', 'order 123456782',
      // A PESEL whose check digit is wrong, one of month 13, a valid one no text calls one.
      'pesel 44051401358', 'pesel 44131401350', 'zamówienie 44051401359',
      // A RUT whose check is wrong, a valid one without dots no text calls one, one glued to a version number.
      'rut 12.345.678-4', 'pedido 12345678-5 listo', 'v1.12.345.678-5',
      // A PAN in small letters no text calls one.
      'ref afzpk7190k'];
    const { rows } = await client().query<{ t: string; scrubbed: string; found: string[] }>(
      `SELECT u.t, rehearsal_mask.scrub_text(u.t) AS scrubbed, array(SELECT kind || ' ' || token FROM rehearsal_mask.pii_found(u.t)) AS found
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, [texts]);

    expect(rows).toEqual(texts.map((t) => ({ t, scrubbed: t, found: [] })));
  });

  it('computes the Luhn sum card checks and card fakes use: every second digit from the right doubled, its digits summed', async () => {
    const cases: [string, number][] = [['79927398713', 70], ['4539148803436467', 80], ['378282246310005', 60], ['4111111111111112', 31], ['18', 10], ['0', 0], ['', 0]];
    const { rows } = await client().query<{ d: string; sum: number }>('SELECT d, rehearsal_mask.luhn_sum(d) AS sum FROM unnest($1::text[]) WITH ORDINALITY AS u(d, i) ORDER BY i', [cases.map(([d]) => d)]);

    expect(rows.map(({ d, sum }) => [d, sum])).toEqual(cases);
  });

  it('classifies a run of digits found in text as a phone, card, SSN, SIN, Aadhaar number, CPF or IPv4 address, or as none of them', async () => {
    const cases: [string, string | null][] = [
      ['+44 7700 900123', 'phone'], ['+1234567', null], ['+123456789012345', 'phone'], ['+1234567890123456', null],
      ['07700 900123', 'phone'], ['(020) 7946 0000', 'phone'], ['0 12', null], ['(555) 234-5678', 'phone'], ['555-234-5678', 'phone'],
      ['555.234.5678', 'phone'], ['155-234-5678', null], ['1234567890', null], ['4111 1111 1111 1111', 'card'],
      ['4111 1111 1111 1112', null], ['4000-0000-0000-0002', 'card'], ['378282246310005', 'card'],
      // Luhn-valid by chance, but no card network's first digits for that length: a WhatsApp account id, an id of 16 digits, four years.
      ['102290129340398', null], ['9111111111111110', null], ['2002 2003 2004 2005', null],
      // Mir and Mastercard's 2-series start with 2.
      ['2200 0000 0000 0004', 'card'], ['2221 0000 0000 0009', 'card'],
      // Written with no-break spaces and Unicode dashes, as copied from a web page or a contact card.
      ['+44\u00a07700\u00a0900123', 'phone'], ['+44\u202f7700\u202f900123', 'phone'], ['07700\u2013900123', 'phone'],
      ['(650)\u00a0555\u20111234', 'phone'], ['4111\u00a01111\u00a01111\u00a01111', 'card'], ['8.8.4.4', 'ipv4'], ['999.1.1.1', null], ['1.2.3', null], ['12345', null],
      // A US Social Security number, grouped 3-2-4 (one starting 0 too, which a trunk 0 would claim); other groupings of nine digits are none.
      ['123-45-6789', 'ssn'], ['012 34 5678', 'ssn'], ['123-456-789', null], ['12-345-6789', null],
      // A Brazilian CPF, with valid check digits only.
      ['529.982.247-25', 'cpf'], ['529.982.247-26', null],
      // A Luhn-valid SIN's digits grouped 3-3-3 with no text calling them one: Spain writes its phone numbers so.
      ['130 692 544', null], ['130-692-544', null],
      // An Indian Aadhaar number, grouped 4-4-4, with a valid Verhoeff check digit only.
      ['2345 6789 0124', 'aadhaar'], ['2345-6789-0124', 'aadhaar'], ['2345 6789 0125', null], ['234 5678 90124', null],
    ];
    const kinds = await client().query<{ tok: string; kind: string | null }>('SELECT tok, rehearsal_mask.digit_kind(tok) AS kind FROM unnest($1::text[]) AS tok', [cases.map(([tok]) => tok)]);

    expect(kinds.rows.map(({ tok, kind }) => [tok, kind])).toEqual(cases);
  });

  it('reads a phone number\'s national digits after its calling code (+ or 00) or a North American 1, and none without either', async () => {
    const cases: [string, string | null][] = [
      ['+34 612 345 678', '612345678'], ['+44 7700 900123', '7700900123'], ['+1 (415) 867-5309', '4158675309'], ['14158675309', '4158675309'],
      ['+971 50 123 4567', '501234567'], ['0034 612 345 678', '612345678'], [' (+48) 601 234 567', '601234567'], ['+7 912 345 67 89', '9123456789'],
      ['07700 900123', null], ['612 345 678', null], ['1415867530', null],
    ];
    const { rows } = await client().query<{ v: string; national: string | null }>(
      `SELECT v, ${nationalDigitsSql('v')} AS national FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [cases.map(([v]) => v)]);

    expect(rows.map(({ v, national }) => [v, national])).toEqual(cases);
  });

  it('finds a run of digits typed against Chinese or Japanese text or after a slash, not one glued to a Latin, Greek or Cyrillic word', async () => {
    const { rows } = await client().query<{ tok: string }>(`SELECT x[1] AS tok FROM regexp_matches($1, ${quoteLiteral(DETECTORS.digits)}, 'g') AS x`,
      ['電話は090-1234-5678です 我的手机13800138000 wa.me/14158675309 ORD12345678 Заказ98765432 αβ1234567890 a-0123456789 12345678']);

    expect(rows.map((row) => row.tok)).toEqual(['090-1234-5678', '13800138000', '14158675309', '12345678']);
  });

  it('masks in a JSON document exactly what jsonb_path_query reads at the same path in lax mode, whatever the document\'s shape', async () => {
    const docs = [
      { email: 'a@b.org' }, { email: ['a@b.org', ['c@d.org']] }, 'top@level.org', ['x@y.org', 7, { email: 'e@f.org' }],
      { contacts: [{ email: 'g@h.org' }, { email: 'i@j.org', n: 1 }, 'k@l.org', [{ email: 'deep@er.org' }]] }, { a: 1, b: { c: 'm@n.org' } }, null,
    ];
    const paths = ['$.email[*]', '$[*]', '$.contacts.email', '$.*', '$.b.*', '$[0]', '$[1]', '$.contacts[*].email', '$.email[0]'];
    for (const doc of docs) {
      for (const path of paths) {
        const { rows } = await client().query<{ expected: (string | null)[]; masked: (string | null)[] }>(
          `SELECT array(SELECT CASE WHEN jsonb_typeof(v) <> 'null' THEN 'X' END FROM jsonb_path_query($1::jsonb, $2::jsonpath) AS v) AS expected,
                  array(SELECT v #>> '{}' FROM jsonb_path_query(rehearsal_mask.json_apply($1::jsonb, $3::text[], 'fixed', '"X"'), $2::jsonpath) AS v) AS masked`,
          [JSON.stringify(doc), toSqlJsonPath(parseJsonPath(path)), toWalkerPath(parseJsonPath(path))]);
        // Every place the path reaches now holds the fixed value (a JSON null stays null): none was missed, none added.
        expect({ doc, path, masked: rows[0]?.masked }).toEqual({ doc, path, masked: rows[0]?.expected });
      }
    }
    // And nothing else changed: an array element the path does not reach, a member of another key.
    const masked = await one<unknown>(`rehearsal_mask.json_apply($1::jsonb, $2::text[], 'email', NULL)`,
      [JSON.stringify({ contacts: [{ email: 'g@h.org', n: 1 }, 'k@l.org', [{ email: 'deep@er.org' }]], keep: 'o@p.org' }), toWalkerPath(parseJsonPath('$.contacts.email'))]);
    expect(masked).toEqual({ contacts: [{ email: await one<string>(`rehearsal_mask.email('g@h.org')`), n: 1 }, 'k@l.org', [{ email: 'deep@er.org' }]], keep: 'o@p.org' });
  });

  it('turns a JSON value a strategy cannot change into JSON null, never nulling the whole document or failing', async () => {
    const apply = (doc: unknown, key: string, kind: string, param: string | null): Promise<unknown> =>
      one<unknown>(`rehearsal_mask.json_apply($1::jsonb, $2::text[], $3, $4)`, [JSON.stringify(doc), toWalkerPath(parseJsonPath(`$.${key}`)), kind, param]);

    expect(await apply({ dob: '12/03/1984', n: 1 }, 'dob', 'dateShift', '30')).toEqual({ dob: null, n: 1 });
    expect(await apply({ dob: '1984-02-30', n: 1 }, 'dob', 'dateShift', '30')).toEqual({ dob: null, n: 1 });
    expect(await apply({ dob: 19840312, n: 1 }, 'dob', 'dateShift', '30')).toEqual({ dob: null, n: 1 });
    expect(await apply({ pay: 'high', n: 1 }, 'pay', 'numberNoise', '0.1')).toEqual({ pay: null, n: 1 });
    const shifted = await apply({ dob: '1984-02-29T10:00:00Z', n: 1 }, 'dob', 'dateShift', '30') as { dob: string };
    expect(Math.abs(Date.parse(shifted.dob) - Date.parse('1984-02-29'))).toBeLessThanOrEqual(30 * 86_400_000);
  });

  it('masks JSON at wildcard paths, leaving the rest of the document as it was', async () => {
    const doc = { contact: { email: 'a@b.org' }, submitted_values: [{ value: 'x@y.org' }, { value: 'z@y.org' }], n: 5 };
    const masked = await one<typeof doc>(
      `rehearsal_mask.json_apply($1::jsonb, $2::text[], 'email', NULL)`, [JSON.stringify(doc), toWalkerPath(parseJsonPath('$.submitted_values[*].value'))]);

    expect(masked.n).toBe(5);
    expect(masked.contact.email).toBe('a@b.org');
    expect(masked.submitted_values.map((item) => item.value)).toEqual([
      await one<string>(`rehearsal_mask.email('x@y.org')`), await one<string>(`rehearsal_mask.email('z@y.org')`),
    ]);
  });
});

describe('a database whose encoding is not UTF-8', () => {
  const name = uniqueName('latin');
  afterAll(() => dropDatabases(name));

  it('takes the mask schema (its SQL is ASCII only) and is masked and verified there', async () => {
    const url = await createDatabase(name, "TEMPLATE template0 ENCODING 'ISO_8859_5' LC_COLLATE 'C' LC_CTYPE 'C'");
    await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
      CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, phone text, full_name text);
      CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO customers VALUES (1, 'ann@gmail.com', '+44 7700 900123', 'Marguerite Okonkwo');
      INSERT INTO notes VALUES (1, 'Call +44 7700 900123 or ann@gmail.com (marguerite okonkwo)')`);
    const source = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, email: email, phone: phone, full_name: fullName }
  public.notes:
    columns: { id: keep, body: scrubText }
`, 'rules.yaml');

    await anonymizeDatabase({ connection: { connectionString: url }, source, key: KEY });

    const [customer] = await query<{ email: string; phone: string; full_name: string }>(url, 'SELECT email, phone, full_name FROM customers');
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes');
    expect(customer?.email).toMatch(/@example\.(com|org|net)$/);
    expect(note?.body).toBe(`Call ${customer?.phone} or ${customer?.email} (${customer?.full_name.toLowerCase()})`);
    expect((await verifyDatabase({ connection: { connectionString: url }, source, key: KEY })).findings).toEqual([]);
  });
});
