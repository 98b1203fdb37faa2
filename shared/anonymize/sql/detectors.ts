import { quoteLiteral } from '../../db/client';
import { CITIES, FAKE_EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS } from '../dictionaries';
import { asciiDigitsSql, LONG_TEXT_BYTES, MASK_SCHEMA, NATIVE_DIGITS } from './core';
import { credentialsReplacedSql } from '../credentials';
import { CARD_LAYOUT, opensNoAreaCodeSql, UNICODE_SEPARATORS } from './number-layout';
import { digitPartsSql } from './digit-parts';
import { CAMEL_BREAK, LETTERS, SMALL_START } from './letters';
import { OBFUSCATED_EMAIL, obfuscationHintSql } from './obfuscated-emails';
import { CODICE_FISCALE, CODICE_FISCALE_HINT, CURP, DNI, LETTER_ID_HINT, NINO, PAN, PAN_CALLED, panCalledHintSql, RUT, rutHintSql } from './national-ids';

export { LETTERS } from './letters';
export { UNICODE_SEPARATORS } from './number-layout';

/**
 * The characters a run of digits may not touch, as the inside of a bracket expression: digits, and the
 * letters of scripts that write words apart (Latin, Greek, Cyrillic), under any locale. Not the letters
 * of Chinese, Japanese, Korean, Arabic or Indic scripts: a number typed against those is a number of its
 * own (`電話は090-1234-5678です`, `我的手机13800138000`).
 */
const GLUED_TO_DIGITS = '0-9A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F\\u0370-\\u03FF\\u0400-\\u052F\\u1E00-\\u1EFF';

const HEX_GROUP = '[0-9A-Fa-f]{1,4}';
const IPV4 = '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/**
 * A whole IPv6 address in any of its text forms (RFC 4291: full, compressed with `::`, an IPv4 tail),
 * anchored: what an IPv6 candidate must be before it is read as an address (`10:30:00` and a MAC
 * address are candidates too). A pattern, not a cast that may fail: `scrub_text` runs on parallel
 * workers, which cannot catch an error (no subtransaction there).
 */
export const IPV6_ADDRESS = `^(${[
  `(${HEX_GROUP}:){7}${HEX_GROUP}`, `(${HEX_GROUP}:){1,7}:`, `(${HEX_GROUP}:){1,6}:${HEX_GROUP}`,
  `(${HEX_GROUP}:){1,5}(:${HEX_GROUP}){1,2}`, `(${HEX_GROUP}:){1,4}(:${HEX_GROUP}){1,3}`, `(${HEX_GROUP}:){1,3}(:${HEX_GROUP}){1,4}`,
  `(${HEX_GROUP}:){1,2}(:${HEX_GROUP}){1,5}`, `${HEX_GROUP}:(:${HEX_GROUP}){1,6}`, `:((:${HEX_GROUP}){1,7}|:)`,
  `(${HEX_GROUP}:){6}${IPV4}`, `::(ffff(:0{1,4})?:)?${IPV4}`, `(${HEX_GROUP}:){1,4}:${IPV4}`,
].join('|')})$`;

/**
 * The letters of scripts that write words without spaces between them, as ranges of code points:
 * Thai, Japanese kana (the middle dot and long vowel mark among them) and the iteration
 * mark, Han ideographs, Hangul syllables. A name there is glued to the words around it (`我叫王小明`,
 * `山田太郎です`, `김민수입니다`), so it is looked for inside runs of these letters, not as a word.
 */
export const UNSPACED_RANGES: readonly (readonly [number, number])[] = [
  [0x0E00, 0x0E7F], [0x3005, 0x3005], [0x3040, 0x30FF], [0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xF900, 0xFAFF], [0xAC00, 0xD7AF],
];
const escape = (code: number): string => `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
/** {@link UNSPACED_RANGES} as the inside of a bracket expression. */
export const UNSPACED_LETTERS = UNSPACED_RANGES.map(([from, to]) => (from === to ? escape(from) : `${escape(from)}-${escape(to)}`)).join('');

/**
 * Where a known value quoted in text may start and end (ARE look-arounds, to put around its pattern):
 * not inside a word, of any locale; beside a letter of a script written without spaces it may
 * ({@link UNSPACED_LETTERS}: `我叫王小明`, `Annさん`).
 */
export const WORD_BOUNDS = {
  start: `(?:(?<![${LETTERS.alnum}_])|(?<=[${UNSPACED_LETTERS}]))`,
  end: `(?:(?![${LETTERS.alnum}_])|(?=[${UNSPACED_LETTERS}]))`,
} as const;

/**
 * SQL giving the text `value` as the search for known values reads it (`reading_form`: `%20` as `sep`,
 * an apostrophe written as an HTML entity as one); a text holding no `%20` and no `&` costs two string
 * searches. `value` is read up to three times.
 */
export const readingFormSql = (value: string, sep: string): string =>
  `CASE WHEN strpos(${value}, '%20') = 0 AND strpos(${value}, '&') = 0 THEN ${value} ELSE ${MASK_SCHEMA}.reading_form(${value}, ${sep}) END`;

/** Where a full name joined into one word ends (a handle): before anything but a letter, digits and an underscore included (`anand_venkataraman42`). */
export const JOINED_END = `(?![${LETTERS.alpha}])`;

/**
 * A run of whitespace between a known value's words as text may write it: ASCII whitespace, or a space
 * beyond ASCII (no-break, narrow no-break, figure, ideographic). A pattern, ASCII as the mask schema's
 * SQL is: the patterns of known values quoted in free text read each space of a value so.
 */
const SPACE = '[[:space:]\\u00A0\\u202F\\u2007\\u3000]';
export const SPACE_RUN = `${SPACE}+`;

/**
 * SQL giving `value` (a cheap expression: it is read up to three times) with each run of whitespace
 * ({@link SPACE_RUN}) as one ASCII space, as known values are recorded: a quote of one written with two
 * spaces or a no-break space (`Ann  Smith`) is looked up, and faked, as written with one. A string
 * search and one pattern test when the value has no whitespace but single ASCII spaces (most).
 */
export const singleSpacedSql = (value: string): string =>
  `CASE WHEN strpos(${value}, '  ') = 0 AND translate(${value}, ' ', '') !~ '${SPACE}' THEN ${value} ELSE regexp_replace(${value}, '${SPACE_RUN}', ' ', 'g') END`;

/**
 * SQL telling whether the character `c` (text of one character, or empty) glues a known value beside
 * it into a word, as {@link WORD_BOUNDS} reads it.
 */
export const gluesWordSql = (c: string): string =>
  `(${c} ~ ${quoteLiteral(`[${LETTERS.alnum}_]`)} AND ${c} !~ ${quoteLiteral(`[${UNSPACED_LETTERS}]`)})`;

/** Apostrophes a name is written with inside it (`O'Connor`, `O\u2019Connor`), as regex escapes: the mask schema's SQL is ASCII. */
const NAME_APOSTROPHES = "'\\u2019";

/**
 * A capital followed by a small letter or by another capital, maybe after an apostrophe: where a name
 * may start (a cheap test before the name detector).
 */
export const NAME_START = `[${LETTERS.upper}]([${LETTERS.lower}]|[${NAME_APOSTROPHES}]?[${LETTERS.upper}])`;

/**
 * A word of a name: a capital and small letters, maybe with more capitals inside (`McDonald`, `DeShawn`,
 * `LaRue`, `MacArthur`), or a capital, an apostrophe and such a word (`O'Connor`, `D'Angelo`).
 */
const NAME_WORD = `[${LETTERS.upper}](?:[${NAME_APOSTROPHES}][${LETTERS.upper}][${LETTERS.lower}]+|[${LETTERS.lower}]+)(?:[${LETTERS.upper}][${LETTERS.lower}]+)*`;

/** A word in capitals, maybe with an apostrophe inside (`SMITH`, `O'CONNOR`): how a card, a form or a shouting user writes a name. */
const CAPITALS_WORD = `[${LETTERS.upper}](?:[${NAME_APOSTROPHES}]?[${LETTERS.upper}])+`;

/**
 * What parts the words of a name the name detector reads: a run of whitespace (a line break where a
 * mail was wrapped, two spaces, a tab, a no-break space; each a character {@link SPACE} holds, so that
 * {@link singleSpacedSql} reads the run as one space), or an apostrophe or hyphen. The whitespace is
 * listed, not `[[:space:]]`: against one space only, the name scan took 1.14x its time so, 1.25x with
 * that class (300k bios, a tenth quoting a name); with runs of six words, not four, 1.33x.
 */
const NAME_GAP = "(?:[ \\t\\n\\r\\f\\v\\u00A0\\u202F\\u2007\\u3000]+|['-])";

/**
 * What a run of digits may start with besides a digit: a `+`, or a parenthesis (around an area code or
 * a trunk 0: `(415) 555-0132`, `(0)7700 900123`). A parenthesis that opens no such group is no part of
 * the number (`(4111111111111111`, `(078-05-1120`): digit_kind reads the run after it as parts. A
 * look-ahead here that left it out made the digits scan 1.18 times as slow.
 */
const RUN_LEAD = '[+(]?';

/** The most words a run of the name detector holds: a name of up to four words, with a word or two before it (`Regards,⏎Head Of Support⏎Ana Lucía Pérez García` is cut in runs of this many). */
const NAME_RUN_WORDS = 6;

/**
 * The detectors `scrubText` masks with and `verify` searches with (PostgreSQL ARE syntax; one capture
 * group: the whole match). Digits are found by one cheap pattern (a run of digits and separators not
 * glued to a word, an email or an order number like ORD-0012345678; + is a space in a form body, so a
 * run may follow one or hold some: `Call+me+at+415-867-5309`, `%2B44+7700+900123`) and then classified as an IPv4
 * address, a Luhn-valid card number or a phone number: look-behind patterns per kind were 10x slower.
 */
export const DETECTORS = {
  email: `([${LETTERS.alnum}._%+-]+@[${LETTERS.alnum}-]+(?:\\.[${LETTERS.alnum}-]+)*\\.[[:alpha:]]{2,})`,
  /**
   * Where IBANs may be: two letters and two digits starting a word, then words of letters and digits
   * joined by single separators, 15 letters and digits at least, in any capitals and grouping
   * (`de89 3704 …`, `DE89-3704-…`, `gb82west1234…`). Such a run may go on into the words after an
   * IBAN, or hold several: `ibans_in` (ibans.ts) reads the IBANs in it by their countries' lengths.
   */
  iban: `(?:^|[^${LETTERS.alnum}])([A-Za-z]{2}[0-9]{2}(?:[ ${UNICODE_SEPARATORS}-]?[A-Za-z0-9]){11,})(?![${LETTERS.alnum}])`,
  /**
   * A run of digits and separators (see above). It starts after a colon only where the colon ends a
   * word (`Tel:0612…`, `Phone:`, `CC:`), not a number or a group of an IPv6 address: the minutes or
   * seconds of a time (`at 10:30 07700 900123`, a chat export's `21:29 - 07700 900123`) or an
   * address's last group (`…:453e:7233 579 78 1446`) would start it, and hide the phone number or SSN
   * after them. It ends neither glued to a word nor where an IPv6 address goes on (`:` and a hex
   * digit): an address written after a number (`07632 294457 2a00:1450::1`, a log line's date and
   * address) is not read into it, nor is its fake, which starts with digits (`2001:db8:…`).
   */
  digits: `(?:^(?:[A-Fa-f]{0,4}:)?|[^${GLUED_TO_DIGITS}._@:-]|[^0-9A-Fa-f:][A-Fa-f]{0,4}:)(${RUN_LEAD}[0-9][0-9 ().+${UNICODE_SEPARATORS}-]*[0-9])(?![${GLUED_TO_DIGITS}@_-]|:[0-9A-Fa-f])`,
  /**
   * Hex groups and colons (two at least), maybe an IPv4 tail: where an IPv6 address may be ({@link
   * ipv6AddressSql} and {@link IPV6_ADDRESS} tell).
   */
  ipv6: '(?:^|[^[:alnum:]:.])([0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*[0-9A-Fa-f:])(?![[:alnum:]:])',
  /**
   * Capitalised words in a row, or two to six words in capitals (`NAME: ANN SMITH`; one alone is
   * mostly an acronym): where a person's name quoted in free text would be. Words apart by a run of
   * whitespace ({@link NAME_GAP}), or joined by an apostrophe or hyphen; a match is read single-spaced
   * ({@link singleSpacedSql}), as known values are recorded.
   */
  name: `(${NAME_WORD}(?:${NAME_GAP}${NAME_WORD}){0,${NAME_RUN_WORDS - 1}}|${CAPITALS_WORD}(?:${NAME_GAP}${CAPITALS_WORD}){1,${NAME_RUN_WORDS - 1}})`,
} as const;
export type DetectorKind = keyof typeof DETECTORS;

/**
 * SQL (a `text[]`) of the run of capitalised words `run` (an SQL expression, a match of the name
 * detector, single-spaced) and, when it has three words or more, every shorter run of two to four of
 * them: `Hi Ann Smith` holds the name `Ann Smith`, which the run as a whole is not. Words are split at
 * spaces (`Mary-Jane` is one). Plain string functions in a CASE, unnested in a select list: a subquery
 * per run made verify's name search 30% slower on text with no such run, 3.4x where every text had one;
 * this costs 17% on the former.
 */
export function nameRunsSql(run: string): string {
  const w = (i: number): string => `split_part(${run}, ' ', ${i})`;
  const joined = (from: number, count: number): string => Array.from({ length: count }, (_, k) => w(from + k)).join(" || ' ' || ");
  /** The run of `n` words and its shorter runs of two to four words. */
  const runs = (n: number): string => [run, ...[2, 3, 4].filter((count) => count < n).flatMap((count) => Array.from({ length: n - count + 1 }, (_, k) => joined(k + 1, count)))].join(', ');
  const branches = Array.from({ length: NAME_RUN_WORDS - 2 }, (_, k) => k + 3).map((n) => (n === NAME_RUN_WORDS ? `ELSE ARRAY[${runs(n)}]` : `WHEN ${w(n + 1)} = '' THEN ARRAY[${runs(n)}]`));
  return `CASE WHEN strpos(${run}, ' ') = 0 OR ${w(3)} = '' THEN ARRAY[${run}]
    ${branches.join('\n    ')} END`;
}

/**
 * SQL (a `text[]`) of the phrases of the run of words `run` (an SQL expression): every one to `words`
 * consecutive words of it (`words`: a count, or an SQL expression giving one), split at any whitespace
 * and joined by one space. A function of the mask schema (`phrases`), called only for a run of several
 * words: the sub-select it holds would be a correlated subquery inline, which PostgreSQL runs in the
 * leader only, never on parallel workers.
 */
export function phrasesOfRunSql(run: string, words: number | string): string {
  return `${MASK_SCHEMA}.phrases(${run}, ${words})`;
}

/** The plain-text pattern literals as SQL (standard_conforming_strings: backslashes are literal). */
const re = (kind: DetectorKind): string => quoteLiteral(DETECTORS[kind]);

/**
 * The percent-encoded forms a link or a form body gives an email and an international phone number
 * (`ann%40gmail.com`, `bob%2Btest%40x.org`, `%2B14155552671`): logged URLs and webhook bodies quote
 * them so. Verify and fingerprints read text decoded ({@link decodedSql}); `scrub_text` finds these
 * forms with patterns of their own, so plain text pays nothing for them (an alternative inside the
 * digits pattern made every scan 30% slower).
 */
export const ESCAPED = {
  // No literal + in the local part: where @ is percent-encoded, + stands for a space (a form body's
  // `Body=Hi+from+ann%40gmail.com` quotes ann@gmail.com, and gets that address's own fake).
  email: DETECTORS.email.replace('._%+-]+@', '._%-]+%40'),
  // Its groups may be parted by %20 too (`%2B44%207700%20900123`: JavaScript's encodeURIComponent),
  // and it may follow one (`call%20%2B44…`), whose 0 is no digit glued to it.
  phone: DETECTORS.digits.replace('(?:^', '(?:%20|^').replace(RUN_LEAD, '%2[Bb]').replace(`[0-9 ().+${UNICODE_SEPARATORS}-]*`, `(?:[0-9 ().+${UNICODE_SEPARATORS}-]|%20)*`),
} as const;

/**
 * A run the digits detector finds that is a bare number of 8 to 15 digits, no `+`, no trunk `0`, no
 * separator (`16505551234`): how WhatsApp (`wa_id`), Telegram and SMS gateways write a phone number,
 * and how order numbers and timestamps are written too. So it is never PII by its shape: `scrubText`
 * replaces one only when it is the digits of an original a phone rule masks (a known value), and
 * verify compares it with the fingerprints of such digits only.
 */
export const BARE_NUMBER = '^[1-9][0-9]{7,14}$';

/**
 * A run of base64 (RFC 4648's standard alphabet) long enough to hold an email or a phone number (12
 * bytes): how API Gateway and Lambda function URLs hand a Lambda a body they do not read as text
 * (`isBase64Encoded`), such as a form-encoded webhook (`From=%2B14155552671&Body=…`), which a bot may
 * log whole. The match is a whole run (the search finds a run's start first); one whose length is not
 * a multiple of 4, or whose bytes are not text ({@link BASE64_NOT_TEXT}), is left alone: hashes, ids
 * and random tokens decode to bytes, not text.
 */
export const BASE64_RUN = '([A-Za-z0-9+/]{16,}={0,2})';

/**
 * In a value's escape form (`encode(bytes, 'escape')`), what is not printable text: a zero byte or one
 * with the high bit set (written `\nnn`) or a control character other than tab, line feed and
 * carriage return. (A backslash is written `\\`, so one followed by three digits reads as not text:
 * left alone, as a binary value is.)
 */
const BASE64_NOT_TEXT = '\\\\[0-7]{3}|[\\u0001-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]';

/**
 * SQL listing `columns` and, as `text`, the text inside each base64 run ({@link BASE64_RUN}) of the
 * text `value` over `from` (a FROM list), when at least 90% of its bytes are printable ASCII; other
 * bytes read as spaces, as in a `bytea` (`bytesTextSql`). What verify searches besides the value
 * itself; `scrub_text` replaces what it finds in a run of ASCII text only (see detectorsSql).
 */
export function base64TextsSql(from: string, value: string, columns: string): string {
  const notText = quoteLiteral(BASE64_NOT_TEXT);
  return `SELECT ${columns}, regexp_replace(d.e, ${notText}, ' ', 'g') AS text
    FROM ${from}, regexp_matches(${value}, ${quoteLiteral(BASE64_RUN)}, 'g') AS m,
         decode(CASE WHEN length(m[1]) % 4 = 0 THEN m[1] ELSE '' END, 'base64') AS b(b), encode(b.b, 'escape') AS d(e)
   WHERE length(m[1]) % 4 = 0 AND length(regexp_replace(d.e, ${notText}, '', 'g')) >= 0.9 * octet_length(b.b)`;
}

/** 13 digits joined by what a card is written with: where a card part may be. */
const CARD_DIGITS = `[0-9](?:[ ${UNICODE_SEPARATORS}-]*[0-9]){12}`;
/** Four groups of 1 to 3 digits joined by dots, no dot or digit next to them: where an IPv4 part may be. */
const IPV4_PIECE = '(?:^|[^.0-9])[0-9]{1,3}(?:[.][0-9]{1,3}){3}(?:$|[^.0-9])';

/**
 * SQL (a boolean) saying whether the digit run `run` (an SQL expression) may hold a part (see
 * digit-parts.ts), given `digits`, its count of digits, and `separated`, whether it has a separator
 * (SQL expressions; a count no lower than the true one lets more runs through): 13 digits written as
 * a card's are, a `+` inside it with 8 characters after it (or one starting it, with more digits than
 * a phone number has), or an IPv4 address's shape. The cheap tests come first: times, dates, prices
 * and ids fail them, and most runs fail the first.
 */
function mayHoldDigitPartsSql(run: string, digits: string, separated: string): string {
  const digitsIn = (piece: string): string => `length(translate(${piece}, '+() .-', ''))`;
  return `length(${run}) >= 9 AND ${separated} AND (strpos(${run}, '+') BETWEEN 2 AND length(${run}) - 8 OR (left(${run}, 1) = '+' AND ${digits} >= 16)
      OR (${digits} >= 14 AND ${run} ~ ${quoteLiteral(CARD_DIGITS)})
      OR (${digits} >= 9 AND ${opensNoAreaCodeSql(run)})
      OR (${digits} >= 10 AND strpos(${run}, ' ') > 0
          AND (${digitsIn(`substr(${run}, strpos(${run}, ' '))`)} >= 9 OR ${digits} - ${digitsIn(`right(${run}, strpos(reverse(${run}), ' '))`)} >= 9))
      OR (length(${run}) - length(replace(${run}, '.', '')) >= 3 AND ${run} ~ ${quoteLiteral(IPV4_PIECE)}))`;
}

/**
 * SQL giving the text `value` as the digits detector reads it: after a space, with digits of other
 * scripts read as ASCII ones ({@link asciiDigitsSql}: one character for one, so a run found there is
 * where the same characters stand in `' ' || value`; `native` false when `value` is read so already). At the very start of a text, a `+` or `(` was
 * read as the character before a run (the pattern's first alternative takes one character where it
 * can), so a message that is only `+44 …` or `(415) …` was no phone number.
 */
export function digitsSourceSql(value: string, native = true): string {
  return `' ' || ${native ? asciiDigitsSql(value) : value}`;
}

/**
 * A pattern telling whether a text may hold an IBAN: two letters and two digits after no ASCII letter
 * or digit (the IBAN detector's start, which letters beyond ASCII may not touch either). ASCII classes
 * only: a class of letters of any locale made this test, run on every text, half as costly again.
 */
export const IBAN_START = '(^|[^A-Za-z0-9])[A-Za-z]{2}[0-9]{2}';

/** A pattern telling whether a text holds a digit, of ASCII or of another script ({@link NATIVE_DIGITS}). */
const ANY_DIGIT = `[0-9${NATIVE_DIGITS}]`;

/** SQL giving the text `value` with `%40` read as `@`, `%2B` as `+` and `%20` as a space (cheap when it holds no `%`). */
export function decodedSql(value: string): string {
  return `CASE WHEN strpos(${value}, '%') > 0 THEN replace(replace(replace(replace(${value}, '%40', '@'), '%2B', '+'), '%2b', '+'), '%20', ' ') ELSE ${value} END`;
}

/**
 * SQL giving the IPv6 candidate `token` (an SQL expression) as PostgreSQL writes the address (`host`:
 * compressed, lowercase), NULL when it is none; a CASE, so the cast never sees anything else.
 */
export function ipv6CanonicalSql(token: string): string {
  const address = ipv6AddressSql(token);
  return `CASE WHEN ${address} ~ ${quoteLiteral(IPV6_ADDRESS)} THEN host((${address})::inet) END`;
}

/**
 * SQL giving the IPv6 candidate `token` (a cheap SQL expression) as the address it may be: without a
 * single colon at its end, which ends a clause (`from 2a00:1450::200e: connection reset`), where
 * `2001:db8::` keeps its two. The candidate's pattern takes that colon; a pattern that left it out
 * (a look-behind for `::`) made the IPv6 scan 1.7 times as slow.
 */
export function ipv6AddressSql(token: string): string {
  return `CASE WHEN right(${token}, 1) = ':' AND right(${token}, 2) <> '::' THEN left(${token}, -1) ELSE ${token} END`;
}

/**
 * SQL listing `columns` (a select list over `from`, or nothing) with `kind` and `token` for every PII
 * token the detectors find in the text `value` (an SQL expression over `from`, a FROM list), and with
 * `bareNumbers` every {@link BARE_NUMBER} as kind `number`, in four plain scans with the regex
 * functions in the FROM list; an IPv6 address as PostgreSQL writes it, so any form of it meets its
 * fingerprint. Over a whole table this is half the time of calling the set-returning
 * `pii_tokens` per row; `pii_tokens` is this query over its one argument.
 */
export function piiTokenScansSql(from: string, value: string, columns = '', bareNumbers = false): string {
  const s = MASK_SCHEMA;
  const select = columns === '' ? '' : `${columns}, `;
  // digit_kind with the text: a card inside an IBAN is none, and a run holding parts is 'parts'
  // (digit-parts.ts), which stand for it; a bare number only when it has none. The kind is computed
  // in the filter, and again in the select list of the runs that pass it (in the FROM list, it was a
  // node per run); the parts are joined to those runs only, after the filter, and computed where
  // digit_kind's cheap test says they may be (a set-returning function joined to every run, or
  // unnested in the select list, made this scan 10% to 40% slower on text of times, prices and order
  // numbers).
  // The text as the digits are read (digitsSourceSql; an IBAN's digits in it are no card: in_iban),
  // once per text (dr.read: an unnested array is a function scan, computed once, where a column of a
  // sub-select would be computed again for each reference of each run).
  const read = 'dr.read';
  const kind = `${s}.digit_kind(x[1], ${read})`;
  const kept = bareNumbers ? `coalesce(${kind}, CASE WHEN ${s}.digits(x[1]) ~ ${quoteLiteral(BARE_NUMBER)} THEN 'number' END)` : kind;
  // (That test with the run's length for its count of digits.)
  const parts = `LEFT JOIN LATERAL ${s}.digit_part_rows(CASE WHEN ${mayHoldDigitPartsSql('x[1]', 'length(x[1])', "x[1] ~ '[^0-9]'")} THEN x[1] END, ${read}) AS p ON true`;
  // National identity numbers of letters and digits, each pattern where the one hint they share
  // (LETTER_ID_HINT) holds, and its own where it has one: the hint is tested once per text (lh.hinted, an
  // unnested array: a condition on the lateral's union is tested again in each of its arms, a whole
  // text's scan each where the text holds no match, which is most text).
  const letterIdArms: [string, string, string?][] = [['nino', NINO], ['pan', PAN],
    ['pan', PAN_CALLED, `${panCalledHintSql(value)} AND x[1] <> upper(x[1])`],
    ['dni', DNI], ['curp', CURP], ['codice_fiscale', CODICE_FISCALE, `${value} ~ ${quoteLiteral(CODICE_FISCALE_HINT)}`]];
  const letterIds = letterIdArms.map(([kind, pattern, hint]) => `SELECT '${kind}' AS kind, x[1] AS token FROM regexp_matches(${value}, ${quoteLiteral(pattern)}, 'g') AS x
      WHERE lh.hinted${hint === undefined ? '' : ` AND ${hint}`}`).join('\n      UNION ALL ');
  return `SELECT ${select}'email' AS kind, x[1] AS token FROM ${from}, regexp_matches(${decodedSql(value)}, ${re('email')}, 'g') AS x WHERE (strpos(${value}, '@') > 0 OR strpos(${value}, '%40') > 0)
    UNION ALL SELECT ${select}'email', ob.token FROM ${from}, regexp_matches(${value}, ${quoteLiteral(OBFUSCATED_EMAIL)}, 'g') AS x,
                       unnest(ARRAY[${s}.email_unobfuscated(x[1], ${value})]) AS ob(token) WHERE ${obfuscationHintSql(value)} AND ob.token IS NOT NULL
    UNION ALL SELECT ${select}'iban', ib.token FROM ${from}, regexp_matches(${value}, ${re('iban')}, 'g') AS x, unnest(${s}.iban_tokens(x[1])) AS ib(token) WHERE ${value} ~ ${quoteLiteral(IBAN_START)}
    UNION ALL SELECT ${select}li.kind, li.token FROM ${from}, unnest(ARRAY[${value} ~ ${quoteLiteral(LETTER_ID_HINT)}]) AS lh(hinted),
                       LATERAL (${letterIds}) AS li
    UNION ALL SELECT ${select}'rut', x[1] FROM ${from}, regexp_matches(${value}, ${quoteLiteral(RUT)}, 'g') AS x
     WHERE ${rutHintSql(value)} AND ${s}.rut_in(x[1], ${value})
    UNION ALL SELECT * FROM (SELECT ${select}'ipv6' AS kind, ${ipv6CanonicalSql('x[1]')} AS token FROM ${from}, regexp_matches(${value}, ${re('ipv6')}, 'g') AS x WHERE strpos(${value}, ':') > 0) AS v6 WHERE v6.token IS NOT NULL
    UNION ALL SELECT ${select}coalesce(p.kind, ${kind}${bareNumbers ? ", 'number'" : ''}), coalesce(p.token, x[1])
      FROM ${from}, unnest(ARRAY[${asciiDigitsSql(value)}]) AS dr(read), regexp_matches(${digitsSourceSql(decodedSql(read), false)}, ${re('digits')}, 'g') AS x ${parts}
     WHERE ${value} ~ ${quoteLiteral(ANY_DIGIT)} AND ${kept} IS NOT NULL`;
}

/**
 * A PL/pgSQL loop over every match of `pattern` (an SQL expression: a quoted pattern or a variable)
 * in the text `source`, one `regexp_match` per token (a plain expression, no query per row), with the
 * match's capture in `tok` while `body` runs, and with `located`, where it starts in `source` in `at`
 * (two assignments more per token: only the loop that needs them pays them).
 */
function eachTokenSql(source: string, pattern: string, body: string, located = false): string {
  if (!located) {
    return `rest := ${source};
    LOOP
      m := regexp_match(rest, ${pattern});
      EXIT WHEN m IS NULL;
      tok := m[1];
      ${body}
      rest := substr(rest, strpos(rest, tok) + length(tok));
    END LOOP;`;
  }
  return `rest := ${source}; done := 0;
    LOOP
      m := regexp_match(rest, ${pattern});
      EXIT WHEN m IS NULL;
      tok := m[1]; at := done + strpos(rest, tok);
      ${body}
      rest := substr(rest, at - done + length(tok)); done := at + length(tok) - 1;
    END LOOP;`;
}

/**
 * PL/pgSQL queuing the replacement of `find` by `fake` in the text `r` until the loop of
 * {@link eachTokenReplacedSql} ends, which makes them longest first: replaced as found, a token that
 * starts a longer one of the same text (81.2.69.1 and 81.2.69.10, bob@corp.com and bob@corp.com.au)
 * left the longer one's tail after its fake (192.0.2.990, a fake's address ending .au). The pairs
 * go in `finds`, a two-dimensional array: one assignment per token (two arrays cost scrub_text 6%, this 4%).
 */
const replaceLaterSql = (find: string, fake: string): string => `finds := finds || ARRAY[[${find}, ${fake}]];`;

/** {@link eachTokenSql} whose body queues its replacements ({@link replaceLaterSql}), made in `r` when the loop ends. */
function eachTokenReplacedSql(source: string, pattern: string, body: string, located = false): string {
  return `${eachTokenSql(source, pattern, body, located)}
    IF finds IS NOT NULL THEN
      r := CASE WHEN array_length(finds, 1) = 1 THEN replace(r, finds[1][1], finds[1][2]) ELSE ${MASK_SCHEMA}.replaced_longest_first(r, finds) END;
      finds := NULL;
    END IF;`;
}

/**
 * PL/pgSQL setting `into` to the pattern of the known values a text quotes, when texts get patterns of
 * their own (see known-value-hits.ts), or NULL: with `nested` (a text decoded from base64 inside
 * another), of its candidates among the unit's hits (`quoted_hits` of `candidatesOf`); else the one
 * made for it before masking, by the md5 of `reading` (the text as the search read it). Uses the
 * variables `key`, `keys` (text) and `id` (uuid).
 */
export function textHitsPatternSql(candidatesOf: string, reading: string, into: string): string {
  const s = MASK_SCHEMA;
  return `IF nested THEN
      ${into} := (SELECT '(' || string_agg(q.hit_pattern, '|' ORDER BY length(q.hit) DESC, q.hit) || ')' FROM ${s}.quoted_hits(${candidatesOf}) AS q);
    ELSE
      -- The key first, as a uuid: in the query, md5 or the cast would be computed again for each row a
      -- scan of a small table reads. When few texts quote known values, their keys are listed in a
      -- setting, and the others skip the lookup (a string search instead of a query: 1 microsecond
      -- instead of 9).
      key := md5(${reading});
      keys := current_setting('rehearsal.text_keys', true);
      IF coalesce(keys, '') = '' OR strpos(keys, key) > 0 THEN
        id := key::uuid;
        ${into} := (SELECT x.pattern FROM ${s}.text_hits AS x WHERE x.h = id);
      END IF;
    END IF;`;
}

/**
 * `digit_kind(tok)` classifies a digit run: 'ipv4', 'card' (13-19 digits, Luhn-valid, a card
 * network's first digits for its length), 'ssn', 'sin', 'aadhaar', 'cpf', 'bsn' or 'pesel' (a national
 * identity number, national-ids.ts), 'phone' (after + 8-15 digits, after a trunk 0 9-15, or a North
 * American number), or NULL. `scrub_text(t, maxlen, nested)` replaces every email, valid IBAN, card, SSN
 * that could be issued, SIN, Aadhaar number, CPF, BSN and PESEL (national-ids.ts: only one with valid
 * check digits is one), UK National Insurance number of an allocated prefix, Indian PAN, Spanish DNI or
 * NIE whose letter checks, Mexican CURP, Italian codice fiscale and Chilean RUT whose check is right,
 * public IPv4 or IPv6 address and phone number with the fake of its kind (the same functions columns
 * use, so a quoted address gets its column's fake), percent-encoded ones too, a bare number that is an original phone's digits, and every live credential
 * (credentials.ts) with a marker (`nested`: `t` is text decoded from base64 inside another, which it
 * calls itself for). `pii_tokens(t)` lists every match; `token_live` says whether one is still personal
 * data (not reserved, not a fake).
 */
export function detectorsSql(): string {
  const s = MASK_SCHEMA;
  const WORD_START = quoteLiteral(WORD_BOUNDS.start);
  // Each obfuscated email (obfuscated-emails.ts) by the fake of the address it spells, written plainly.
  const obfuscatedLoop = eachTokenReplacedSql('r', quoteLiteral(OBFUSCATED_EMAIL), `address := ${s}.email_unobfuscated(tok, r, mail_cued);
      IF address IS NOT NULL THEN ${replaceLaterSql('tok', `${s}.email(address)`)} END IF;`);
  const WORD_END = quoteLiteral(WORD_BOUNDS.end);
  return `
CREATE FUNCTION ${s}.digit_kind(tok text, t text DEFAULT NULL, parts boolean DEFAULT true) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
-- tok is a match of the digits detector, which holds only digits and + ( ) space . - (and rarely a
-- no-break space or a Unicode dash): translate strips those in a fraction of what a regular expression costs, and every check that a count of digits can
-- rule out comes first (tokens in text are mostly phone numbers and the like). With t, the text tok
-- is in, a card inside an IBAN is none (in_iban), and a run no kind fits is 'parts' when digit_parts
-- finds a card, phone or address in it (its cheap conditions first: most runs have few digits).
DECLARE d text := translate(tok, '+() .-', ''); nd int; nid text;
BEGIN
  -- A parenthesis that opens no area code or trunk 0 (RUN_LEAD): what follows it is read by digit_parts.
  IF parts AND t IS NOT NULL AND ${opensNoAreaCodeSql('tok')} THEN
    RETURN CASE WHEN ${s}.digit_parts(tok, t) IS NOT NULL THEN 'parts' END;
  END IF;
  -- A no-break space or a Unicode dash (multibyte: octet_length says so) is stripped by a pattern.
  IF octet_length(d) > length(d) THEN d := regexp_replace(d, '[^0-9]', '', 'g'); END IF;
  nd := length(d);
  -- A national identity number (national-ids.ts): a US SSN or ITIN grouped 3-2-4, an Aadhaar number
  -- grouped 4-4-4, a Brazilian CPF written with its dots and dash, any as bare digits where t calls
  -- them one, a Canadian SIN, a Dutch BSN and a Polish PESEL only so. First: old SSNs and many CPFs
  -- start with 0, which a trunk 0 would claim. Each starts with a digit: a number after a + (a UK
  -- mobile has twelve digits) is none, and skips the call. (No example here: the DDL text of these helpers may be logged in the copy.)
  IF (nd = 9 OR nd = 11 OR nd = 12) AND ascii(tok) BETWEEN 48 AND 57 THEN
    nid := ${s}.national_id_kind(tok, d, t);
    IF nid IS NOT NULL THEN RETURN nid; END IF;
  END IF;
  IF left(tok, 1) = '+' AND nd BETWEEN 8 AND 15 THEN
    RETURN 'phone';
  ELSIF strpos(tok, '.') > 0 AND tok ~ '^[0-9]{1,3}(\\.[0-9]{1,3}){3}$' THEN
    RETURN CASE WHEN tok ~ '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$' THEN 'ipv4' END;
  -- A card number starts as a card network's do, at its lengths (Visa 13, Diners 14, Amex 15, any of
  -- them 16-19 from 3 to 6, or from 2200 to 2720: Mir, and Mastercard's 2-series; no network starts
  -- 20 or 21, as years do): one bare id in ten passes Luhn, and chat platforms' ids are long numbers.
  -- Those first digits before the Luhn sum.
  ELSIF nd BETWEEN 13 AND 19 AND (CASE nd WHEN 13 THEN left(d, 1) = '4' WHEN 14 THEN left(d, 1) = '3' WHEN 15 THEN left(d, 2) IN ('34', '37')
       ELSE left(d, 1) BETWEEN '3' AND '6' OR left(d, 4) BETWEEN '2200' AND '2720' END)
     AND tok ~ ${quoteLiteral(CARD_LAYOUT)} AND ${s}.luhn_sum(d) % 10 = 0 THEN
    RETURN CASE WHEN t IS NULL OR NOT ${s}.in_iban(t, tok) THEN 'card' END;
  -- After a trunk 0, or a North American number written with separators, maybe after its country code 1 (1-415-555-2671).
  ELSIF ((left(tok, 1) = '0' OR left(tok, 2) = '(0') AND nd BETWEEN 9 AND 15)
     OR (nd = 10 AND tok ~ '^(\\([2-9][0-9]{2}\\)[ \\u00A0\\u202F]?|[2-9][0-9]{2}[ .${UNICODE_SEPARATORS}-])[0-9]{3}[ .${UNICODE_SEPARATORS}-][0-9]{4}$')
     OR (nd = 11 AND left(tok, 1) = '1' AND tok ~ '^1[ .${UNICODE_SEPARATORS}-]?(\\([2-9][0-9]{2}\\)[ \\u00A0\\u202F]?|[2-9][0-9]{2}[ .${UNICODE_SEPARATORS}-])[0-9]{3}[ .${UNICODE_SEPARATORS}-][0-9]{4}$') THEN
    -- Not the digits of an IBAN after its check digits (a Belgian or Spanish one's may start with 0).
    RETURN CASE WHEN t IS NULL OR NOT ${s}.in_iban(t, tok) THEN 'phone' END;
  ELSIF parts AND t IS NOT NULL AND ${mayHoldDigitPartsSql('tok', 'nd', 'length(tok) > nd')} THEN
    RETURN CASE WHEN ${s}.digit_parts(tok, t) IS NOT NULL THEN 'parts' END;
  END IF;
  RETURN NULL;
END
$fn$;

-- Whether tok lies inside an IBAN of t, or one with the check digits 00 (a fake's, or a placeholder's;
-- ibans_in with zeros): its digits are no card or phone number, though a German or Italian IBAN's are
-- Luhn-valid and card-shaped one time in ten or so, and others start with 0. Only as far as its
-- country's length: the detector's match goes on over the words after it (an IBAN's fake, then the
-- word card and a card number), and a card there is one.
CREATE FUNCTION ${s}.in_iban(t text, tok text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT t ~ ${quoteLiteral(IBAN_START)} AND EXISTS (SELECT 1 FROM regexp_matches(t, ${re('iban')}, 'g') AS m
                                             WHERE strpos(m[1], tok) > 0 AND EXISTS (SELECT 1 FROM unnest(${s}.ibans_in(m[1], true)) AS i WHERE strpos(i, tok) > 0))
$fn$;
${digitPartsSql()}
-- The fake of a known value quoted in free text: the very fake its column gets. One typed in small
-- letters or capitals only gets its fake written so, made from the value as a column most likely holds
-- it (initcap, a postcode in capitals): then mostly the very fake its column has too (a username is
-- left as typed). Letters are told by the detectors' classes, which read letters beyond ASCII under
-- ctype C too (lower() there does not). A value of a script without capitals (Arabic, Chinese) is
-- taken as it is. A full name joined into one word (kind joinedFullName: a handle, a link's slug) gets
-- the fake of the name its words make, joined the same way (joined_fake): run together in camel case,
-- its words with capitals, the first in small letters where the name's is (anandVenkataraman).
CREATE FUNCTION ${s}.joined_fake(v text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE f text;
BEGIN
  IF v ~ '[._-]' THEN RETURN replace(${s}.known_fake('fullName', translate(v, '._-', '   ')), ' ', substring(v FROM '[._-]')); END IF;
  f := replace(initcap(${s}.known_fake('fullName', lower(regexp_replace(v, ${quoteLiteral(CAMEL_BREAK)}, '\\1 \\2', 'g')))), ' ', '');
  RETURN CASE WHEN v ~ ${quoteLiteral(SMALL_START)} THEN lower(left(f, 1)) || substr(f, 2) ELSE f END;
END
$fn$;

CREATE FUNCTION ${s}.known_fake(kind text, v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN kind = 'joinedFullName' THEN ${s}.joined_fake(v) WHEN c = 'lower' THEN lower(f) WHEN c = 'upper' THEN upper(f) ELSE f END
    FROM (SELECT c, CASE kind WHEN 'fullName' THEN ${s}.full_name(m) WHEN 'firstName' THEN ${s}.first_name(m) WHEN 'lastName' THEN ${s}.last_name(m)
            WHEN 'street' THEN ${s}.street(m) WHEN 'city' THEN ${s}.city(m) WHEN 'username' THEN ${s}.username(m) WHEN 'postcode' THEN ${s}.postcode(m) END AS f
            FROM (SELECT c, CASE WHEN c = 'mixed' THEN v WHEN kind = 'postcode' THEN upper(v) ELSE initcap(v) END AS m
                    FROM (SELECT CASE WHEN kind = 'username' THEN 'mixed' WHEN v !~ ${quoteLiteral(`[${LETTERS.upper}]`)} THEN CASE WHEN v ~ ${quoteLiteral(`[${LETTERS.lower}]`)} THEN 'lower' ELSE 'mixed' END WHEN v !~ ${quoteLiteral(`[${LETTERS.lower}]`)} THEN 'upper' ELSE 'mixed' END AS c) AS x) AS y) AS z
$fn$;

-- t with each finds[i][1] replaced by its fake finds[i][2], the longest first: a token that is the
-- start or the end of a longer one (an address and the same with one digit more) is replaced where
-- it stands alone, not inside the longer one, which is replaced whole before it.
CREATE FUNCTION ${s}.replaced_longest_first(t text, finds text[]) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE i int;
BEGIN
  FOR i IN SELECT o FROM generate_subscripts(finds, 1) AS o ORDER BY length(finds[o][1]) DESC, o LOOP
    t := replace(t, finds[i][1], finds[i][2]);
  END LOOP;
  RETURN t;
END
$fn$;

CREATE FUNCTION ${s}.scrub_text(t text, maxlen int DEFAULT NULL, nested boolean DEFAULT false, whole_hits text DEFAULT NULL, mail_cued boolean DEFAULT false) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE r text := t; rest text; m text[]; tok text; kind text; pat text; b bytea; plain text; scrubbed text; rebuilt text; at int; done int; key text; keys text; id uuid; num text;
  given_digits text; written text; read text; piece text; address text; reading text; unread text; read_r text; finds text[];
  names text := coalesce(current_setting('rehearsal.known_values', true), 'off');
  hits text := CASE WHEN names = 'hits' THEN current_setting('rehearsal.value_hits', true) END;
  given text := t;
BEGIN
  IF t IS NULL THEN RETURN t; END IF;
  -- A long text in pieces (long-texts.ts), each a call with whole_hits: the known values the whole text quotes ('' for none).
  IF whole_hits IS NULL AND octet_length(t) > ${LONG_TEXT_BYTES} THEN RETURN ${s}.scrub_long_text(t, maxlen, nested); END IF;
  -- Letters written as JSON escapes (Zo\\u00eb) read as letters, in composed form (nfc: an e and a
  -- combining accent as one accented e), as the search for known values and verify read the text; it
  -- comes back as given unless something was replaced.
  IF octet_length(t) > length(t) OR strpos(t, '\\u') > 0 THEN t := ${s}.scrub_read(t, false); r := t; END IF;
  -- Known values are looked for in t as a link's query or HTML writes them (reading_form: name=Ann%20Smith,
  -- O&#39;Brien), as the search for them read it; replaced so, and written back so (see below).
  reading := ${readingFormSql('t', 'chr(1)')};
  -- 'hits': the known values the unit's free text quotes, as one pattern (see known-value-hits.ts).
  IF names = 'hits' AND reading !~ hits THEN names := 'off'; END IF;
  -- Nothing to find but an obfuscated email: no digit, no @, no known value, no run of base64 (which may
  -- hold neither, encoded). Such a text is searched for one only when it shows a sign of one.
  IF t !~ ${quoteLiteral(`[0-9@${NATIVE_DIGITS}]`)} AND names = 'off' AND t !~ '[A-Za-z+/]{16}' THEN
    IF NOT ${obfuscationHintSql('t')} THEN RETURN given; END IF;
    ${obfuscatedLoop}
    RETURN ${s}.fit(CASE WHEN r = t THEN given ELSE r END, maxlen);
  END IF;
  -- Credentials first (see credentials.ts): the digits inside them are no phone number.
  ${credentialsReplacedSql('r')}
  -- Base64 runs of ASCII text (a logged webhook body): scrubbed decoded, encoded again. Other text
  -- would not survive the round trip exactly; verify still reads it (base64TextsSql).
  IF r ~ '[A-Za-z0-9+/]{16}' THEN
    ${eachTokenReplacedSql('r', quoteLiteral(BASE64_RUN), `IF length(tok) % 4 = 0 THEN
        b := decode(tok, 'base64');
        IF encode(b, 'escape') !~ ${quoteLiteral(BASE64_NOT_TEXT)} THEN
          plain := convert_from(b, 'UTF8');
          scrubbed := ${s}.scrub_text(plain, NULL, true);
          IF scrubbed <> plain THEN ${replaceLaterSql('tok', "replace(encode(convert_to(scrubbed, 'UTF8'), 'base64'), E'\\n', '')")} END IF;
        END IF;
      END IF;`)}
  END IF;
  -- Then percent-encoded emails and numbers (in links): the fake of what they stand for, encoded the
  -- same way (a number's leading + as %2B, its spaces as %20; a + between its digits is a space there, and stays one);
  -- a run holding a number after the phone (a house number, a count) by the fakes of its parts, as plain text's.
  IF strpos(t, '%') > 0 THEN
    ${eachTokenReplacedSql('t', quoteLiteral(ESCAPED.email), replaceLaterSql('tok', `replace(${s}.email(${decodedSql('tok')}), '@', '%40')`))}
    ${eachTokenReplacedSql('r', quoteLiteral(ESCAPED.phone), `plain := ${decodedSql('tok')}; kind := ${s}.digit_kind(plain);
      IF kind = 'phone' THEN ${replaceLaterSql('tok', `'%2B' || substr(replace(${s}.phone(plain), ' ', '%20'), 2)`)}
      ELSIF kind = 'parts' THEN ${replaceLaterSql('tok', `'%2B' || substr(replace(${s}.digit_run_fake(plain, plain, kind), ' ', '%20'), 2)`)}
      END IF;`)}
  END IF;
  -- Obfuscated emails (their @ or a dot written otherwise, obfuscated-emails.ts) before plain ones (a
  -- plain @ with an obfuscated dot is one): the fake of the address they spell, written plainly.
  IF ${obfuscationHintSql('r')} THEN
    ${obfuscatedLoop}
  END IF;
  IF strpos(t, '@') > 0 THEN
    ${eachTokenReplacedSql('t', re('email'), replaceLaterSql('tok', `${s}.email(tok)`))}
  END IF;
  -- IBANs in any capitals and grouping (ibans.ts), each by the fake of its print form laid out as it is written.
  IF r ~ ${quoteLiteral(IBAN_START)} THEN
    ${eachTokenReplacedSql('r', re('iban'), `FOREACH piece IN ARRAY ${s}.ibans_in(tok) LOOP ${replaceLaterSql('piece', `${s}.iban_written(piece)`)} END LOOP;`)}
  END IF;
  -- National identity numbers of letters and digits (national-ids.ts), one hint for the five: UK National
  -- Insurance numbers, each one allocated by a fake never allocated, laid out as written; Indian PANs
  -- (in capitals, or in any where the text calls them one), each by a fake no holder's kind is written
  -- with; Spanish DNIs and NIEs whose letter checks, Mexican CURPs whose check digit is right and
  -- Italian codici fiscali whose check letter is, each by a fake whose check fails.
  IF r ~ ${quoteLiteral(LETTER_ID_HINT)} THEN
    ${eachTokenReplacedSql('r', quoteLiteral(NINO), `IF ${s}.nino_live(tok) THEN ${replaceLaterSql('tok', `${s}.nino(tok)`)} END IF;`)}
    ${eachTokenReplacedSql('r', quoteLiteral(PAN), replaceLaterSql('tok', `${s}.pan(tok)`))}
    IF ${panCalledHintSql('r')} THEN
      ${eachTokenReplacedSql('r', quoteLiteral(PAN_CALLED), replaceLaterSql('tok', `${s}.pan(tok)`))}
    END IF;
    ${eachTokenReplacedSql('r', quoteLiteral(DNI), `IF ${s}.dni_valid(tok) THEN ${replaceLaterSql('tok', `${s}.dni(tok)`)} END IF;`)}
    ${eachTokenReplacedSql('r', quoteLiteral(CURP), `IF ${s}.curp_valid(tok) THEN ${replaceLaterSql('tok', `${s}.curp(tok)`)} END IF;`)}
    IF r ~ ${quoteLiteral(CODICE_FISCALE_HINT)} THEN
      ${eachTokenReplacedSql('r', quoteLiteral(CODICE_FISCALE), `IF ${s}.codice_fiscale_valid(tok) THEN ${replaceLaterSql('tok', `${s}.codice_fiscale(tok)`)} END IF;`)}
    END IF;
  END IF;
  -- Chilean RUTs (national-ids.ts), dotted wherever they stand and others where the text calls them one,
  -- each whose check is right by a fake whose check is wrong. Before the digits: a check may be a K.
  IF ${rutHintSql('r')} THEN
    ${eachTokenReplacedSql('r', quoteLiteral(RUT), `IF ${s}.rut_in(tok, r) THEN ${replaceLaterSql('tok', `${s}.rut(tok)`)} END IF;`)}
  END IF;
  -- IPv6 addresses before the digits: an IPv4 tail (::ffff:a.b.c.d) goes with its address.
  IF strpos(r, ':') > 0 THEN
    ${eachTokenReplacedSql('r', re('ipv6'), `address := ${ipv6AddressSql('tok')};
      IF address ~ ${quoteLiteral(IPV6_ADDRESS)} AND NOT ${s}.is_reserved_ip(address) THEN ${replaceLaterSql('address', `${s}.ip(host(address::inet))`)} END IF;`)}
  END IF;
  -- Digits as the detector reads them (digitsSourceSql): a run typed in digits of another script is
  -- found in ASCII (tok, in the text read so), and replaced where it was written (written: the same
  -- characters of the text; given_digits is NULL when the text is all ASCII).
  -- The replacements wait for the loop's end (eachTokenReplacedSql), so r as read (read) is made once.
  given_digits := CASE WHEN octet_length(r) > length(r) THEN ' ' || r END;
  read := CASE WHEN given_digits IS NULL THEN r ELSE ${asciiDigitsSql('r')} END;
  ${eachTokenReplacedSql(digitsSourceSql('read', false), re('digits'), `kind := ${s}.digit_kind(tok, read);
    IF kind IS NOT NULL OR length(tok) >= 8 THEN written := coalesce(substr(given_digits, at, length(tok)), tok); END IF;
    IF kind = 'phone' THEN ${replaceLaterSql('written', `${s}.phone(tok)`)}
    ELSIF kind = 'card' OR kind = 'parts' THEN ${replaceLaterSql('written', `${s}.digit_run_fake(tok, read, kind)`)}
    ELSIF kind = 'ssn' THEN
      IF ${s}.ssn_issued(tok) THEN ${replaceLaterSql('written', `${s}.ssn(tok)`)} END IF;
    ELSIF kind = 'cpf' THEN ${replaceLaterSql('written', `${s}.cpf(tok)`)}
    ELSIF kind = 'sin' THEN ${replaceLaterSql('written', `${s}.sin(tok)`)}
    ELSIF kind = 'aadhaar' THEN ${replaceLaterSql('written', `${s}.aadhaar(tok)`)}
    ELSIF kind = 'bsn' THEN ${replaceLaterSql('written', `${s}.bsn(tok)`)}
    ELSIF kind = 'pesel' THEN ${replaceLaterSql('written', `${s}.pesel(tok)`)}
    ELSIF kind = 'ipv4' THEN
      IF NOT ${s}.is_reserved_ip(tok) THEN ${replaceLaterSql('written', `${s}.ip(tok)`)} END IF;
    ELSIF length(tok) >= 8 AND current_setting('rehearsal.known_phones', true) = 'on' THEN
      -- A number of no phone's shape that is the digits of an original phone (a known value), whole or
      -- national (the digits after its country code), gets a phone's fake. (No example here: the DDL
      -- text of these helpers may be logged in the copy, and verify reads it.)
      num := ${s}.digits(tok);
      IF num ~ ${quoteLiteral(BARE_NUMBER)} AND EXISTS (SELECT 1 FROM ${s}.known_values AS k WHERE k.fp = ${s}.fingerprint(num) AND k.kind = 'phone') THEN ${replaceLaterSql('written', `${s}.phone(tok)`)} END IF;
    END IF;`, true)}
  -- 'lookup': texts get patterns of their own (see known-value-hits.ts, patternPerText): the hits
  -- this text quotes make a pattern of plain alternatives, longest first, made before masking
  -- for each text of the unit (text_hits, by the text's md5: one primary-key lookup); a text decoded
  -- from base64 (nested) has its own candidates looked up among the unit's hits. Each match is replaced
  -- where it stands if no letter, digit or underscore touches it (a letter of a script written
  -- without spaces may: see WORD_BOUNDS), and the text is rebuilt from the
  -- original pieces and the fakes, so a fake is never rescanned. No look-arounds: the Unicode classes
  -- in them cost a millisecond to compile, and each text's pattern is its own.
  IF names <> 'off' AND reading <> t THEN unread := r; read_r := ${s}.reading_form(r, chr(1)); r := read_r; END IF;
  IF names = 'lookup' THEN
    IF whole_hits IS NOT NULL THEN
      pat := NULLIF(whole_hits, '');
    ELSE
      ${textHitsPatternSql('r', 'reading', 'pat')}
    END IF;
    IF pat IS NOT NULL THEN
      rebuilt := ''; rest := r;
      LOOP
        m := regexp_match(rest, pat);
        EXIT WHEN m IS NULL;
        tok := m[1]; at := strpos(rest, tok);
        -- Spaced as the hit is (see SPACE_RUN); should the hit be missing, the value stays, for verify to report.
        read := ${singleSpacedSql('m[1]')};
        SELECT h.kind INTO kind FROM ${s}.value_hits AS h WHERE h.tok = read;
        -- A joined name may have digits or an underscore after it (a handle: anand_venkataraman42).
        IF (at = 1 OR NOT ${gluesWordSql('substr(rest, at - 1, 1)')})
           AND NOT (CASE WHEN kind = 'joinedFullName' THEN substr(rest, at + length(tok), 1) ~ ${quoteLiteral(`[${LETTERS.alpha}]`)} ELSE ${gluesWordSql('substr(rest, at + length(tok), 1)')} END) THEN
          rebuilt := rebuilt || left(rest, at - 1) || coalesce(${s}.known_fake(kind, read), tok);
          rest := substr(rest, at + length(tok));
        ELSE
          rebuilt := rebuilt || left(rest, at);
          rest := substr(rest, at + 1);
        END IF;
      END LOOP;
      r := rebuilt || rest;
    END IF;
  END IF;
  IF names = 'hits' THEN
    ${eachTokenSql('r', 'hits', `read := ${singleSpacedSql('m[1]')};
      SELECT h.kind, h.pattern INTO kind, pat FROM ${s}.value_hits AS h WHERE h.tok = read;
      r := regexp_replace(r, ${WORD_START} || pat || CASE WHEN kind = 'joinedFullName' THEN ${quoteLiteral(JOINED_END)} ELSE ${WORD_END} END, coalesce(${s}.known_fake(kind, read), tok), 'g');`)}
  END IF;
  -- Nothing replaced in the reading form: the text as it was; else its %20 as they were (chr(1) in it), and its apostrophes plain.
  IF read_r IS NOT NULL THEN r := CASE WHEN r = read_r THEN unread ELSE replace(r, chr(1), '%20') END; END IF;
  RETURN ${s}.fit(CASE WHEN r = t THEN given ELSE r END, maxlen);
END
$fn$;

-- t as scrub_text reads it: letters written as JSON escapes (Zo\\u00eb, as Python's json.dumps writes
-- them) read as letters, in composed form (nfc); with reading, as the search for known values reads it
-- too (reading_form, %20 as chr(1)). The search calls it for a text beyond ASCII or holding a \\u, %20 or &.
CREATE FUNCTION ${s}.scrub_read(t text, reading boolean DEFAULT true) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  IF strpos(t, '\\u') > 0 THEN t := ${s}.json_unescaped(t, 160); END IF;
  IF octet_length(t) > length(t) THEN t := ${s}.nfc(t); END IF;
  IF reading AND (strpos(t, '%20') > 0 OR strpos(t, '&') > 0) THEN t := ${s}.reading_form(t, chr(1)); END IF;
  RETURN t;
END
$fn$;

-- t as the search for known values reads it: each %20 (a space in a link's query: name=Ann%20Smith) as
-- sep, and an apostrophe written as an HTML entity (O&#39;Brien, &#x27;, &apos;) as an apostrophe.
-- scrub_text reads %20 as chr(1), no letter and no space, which it writes back as %20: a name's words
-- are each replaced by their own fakes there; verify reads it as a space.
CREATE FUNCTION ${s}.reading_form(t text, sep text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT replace(replace(replace(replace(t, '%20', sep), '&#39;', ''''), '&#x27;', ''''), '&apos;', '''')
$fn$;

-- t with each JSON escape of a character (\\u00eb) from from_code on read as that character: how JSON
-- written by Python's json.dumps (ensure_ascii, its default) holds every letter beyond ASCII. Surrogates
-- (emoji) are left. Verify reads every escape of a printable character; scrub_text, from U+00A0 on,
-- only letters a JSON string may hold as they are, so the text stays the same JSON.
CREATE FUNCTION ${s}.json_unescaped(t text, from_code int DEFAULT 32) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE r text := t; m text[]; code int;
BEGIN
  FOR m IN SELECT regexp_matches(t, '\\\\u([0-9A-Fa-f]{4})', 'g') LOOP
    code := ('x' || m[1])::bit(16)::int;
    IF code >= from_code AND (code < 55296 OR code > 57343) THEN r := replace(r, '\\u' || m[1], chr(code)); END IF;
  END LOOP;
  RETURN r;
END
$fn$;

-- Not inlined (a sub-select keeps an SQL function from being inlined), so parallel workers may call it.
CREATE FUNCTION ${s}.phrases(run text, words int) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ARRAY(SELECT array_to_string(r.w[i:i + n - 1], ' ')
                 FROM regexp_split_to_array(run, '[[:space:]]+') AS r(w), generate_subscripts(r.w, 1) AS i,
                      generate_series(1, least(words, array_length(r.w, 1) - i + 1)) AS n)
$fn$;

CREATE FUNCTION ${s}.pii_tokens(t text) RETURNS TABLE (kind text, token text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  ${piiTokenScansSql('(VALUES (1)) AS one', 't')}
$fn$;

CREATE FUNCTION ${s}.token_live(kind text, token text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE kind
     WHEN 'email' THEN NOT ${s}.is_reserved_email(token)
     WHEN 'iban' THEN ${s}.iban_valid(token)
     WHEN 'card' THEN true
     WHEN 'ssn' THEN ${s}.ssn_issued(token)
     WHEN 'cpf' THEN true
     WHEN 'sin' THEN true
     WHEN 'aadhaar' THEN true
     WHEN 'bsn' THEN true
     WHEN 'pesel' THEN true
     WHEN 'rut' THEN true
     WHEN 'pan' THEN true
     WHEN 'dni' THEN ${s}.dni_valid(token)
     WHEN 'curp' THEN ${s}.curp_valid(token)
     WHEN 'codice_fiscale' THEN ${s}.codice_fiscale_valid(token)
     WHEN 'nino' THEN ${s}.nino_live(token)
     WHEN 'ipv4' THEN NOT ${s}.is_reserved_ip(token)
     WHEN 'ipv6' THEN NOT ${s}.is_reserved_ip(token)
     WHEN 'name' THEN false
     WHEN 'phrase' THEN false
     WHEN 'number' THEN false
     ELSE NOT ${s}.is_fake_phone(token) END
$fn$;

CREATE FUNCTION ${s}.pii_found(t text) RETURNS TABLE (kind text, token text) LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT p.kind, p.token FROM ${s}.pii_tokens(t) AS p WHERE ${s}.token_live(p.kind, p.token)
$fn$;
`;
}

/**
 * `fake_shaped(kind, v)`: whether a value is one a fake of that kind could be (a dictionary name, an
 * email of the fakes' form and domains, a phone number with valid keyed check digits). Originals
 * that look like fakes are not fingerprinted (a fake could equal them by chance), and fake-shaped
 * values in masked columns are not reported.
 */
export function fakeShapeSql(): string {
  const s = MASK_SCHEMA;
  const list = (values: readonly string[]): string => `ARRAY[${values.map(quoteLiteral).join(', ')}]::text[]`;
  return `
CREATE FUNCTION ${s}.fake_shaped(kind text, v text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE kind
    WHEN 'firstName' THEN split_part(btrim(v), ' ', 1) = ANY (${list(FIRST_NAMES)})
    WHEN 'lastName' THEN split_part(btrim(v), ' ', 1) = ANY (${list(LAST_NAMES)})
    WHEN 'fullName' THEN split_part(btrim(v), ' ', 1) = ANY (${list(FIRST_NAMES)}) AND split_part(btrim(v), ' ', 2) = ANY (${list(LAST_NAMES)})
    WHEN 'city' THEN split_part(btrim(v), ' ', 1) = ANY (${list(CITIES)})
    WHEN 'street' THEN regexp_replace(btrim(v), '^[0-9]+ | [0-9]+$', '', 'g') = ANY (${list(STREETS)})
    WHEN 'phone' THEN ${s}.is_fake_phone(v)
    -- What the email fake writes: <name>.<name>.<12 hex>@ or u<12 hex>@, then one of its domains. String
    -- functions, not patterns: verify asks this of every email it reads (a regex costs 6 microseconds a value).
    WHEN 'email' THEN split_part(v, '@', 2) = ANY (${list(FAKE_EMAIL_DOMAINS)}) AND length(split_part(v, '@', 1)) >= 13
      AND translate(right(split_part(v, '@', 1), 12), '0123456789abcdef', '') = ''
      AND (left(right(split_part(v, '@', 1), 13), 1) = '.' OR split_part(v, '@', 1) = 'u' || right(split_part(v, '@', 1), 12))
    ELSE false END
$fn$;
`;
}
