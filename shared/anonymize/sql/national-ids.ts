import { quoteLiteral } from '../../db/client';
import { MASK_SCHEMA } from './core';
import { LETTERS } from './letters';

/**
 * National identity numbers in free text, read by the digits detector (digit_kind): a US Social
 * Security or taxpayer number (SSN, ITIN), a Canadian Social Insurance Number (SIN), a Brazilian CPF,
 * an Indian Aadhaar number, a Dutch citizen service number (BSN) and a Polish PESEL, the numbers chat
 * bots ask for most. Each is read wherever it stands in its written form (`123-45-6789`,
 * `123.456.789-09`, `2345 6789 0124`), and as bare digits only where the text calls it one (`my ssn is
 * 123456789`, `meu cpf é 12345678909`, `aadhaar no 234567890124`): by its shape alone a run of nine,
 * eleven or twelve digits is any number. A SIN, a BSN and a PESEL are read only where the text calls
 * them one (`SIN: 130 692 544`, `mijn bsn is 123456782`): Spain writes its phone numbers 3-3-3, and
 * the others have no written form of their own. A UK National Insurance number ({@link NINO}), an Indian
 * PAN ({@link PAN}), a Spanish DNI or NIE ({@link DNI}), a Mexican CURP ({@link CURP}) and an Italian
 * codice fiscale ({@link CODICE_FISCALE}), letters and digits, are read by passes of their own wherever
 * they stand: their shapes (and a DNI's, CURP's or codice fiscale's check) are specific enough. So is a
 * Chilean RUT ({@link RUT}, its check may be a K), dotted wherever it stands, without dots where the
 * text calls it one. Each fake is a number never issued (an SSN of area 666, an Aadhaar number starting
 * 1, a SIN, CPF, BSN, PESEL, RUT, DNI, CURP or codice fiscale whose check fails, a National Insurance
 * number of a prefix never allocated, a PAN of no holder's kind), so that no fake is anyone's and verify
 * tells fakes from real numbers; a number never issued in the text (`000-00-0000`, one whose check
 * fails) is no one's: left, and not reported.
 */

const s = MASK_SCHEMA;

/**
 * A case-insensitive pattern of what stands before a number where the text calls it one: one of
 * `names` (an alternation) starting a word, up to four characters that are no letter or digit, then up
 * to `wordsBetween` words such as `is`, `no` or `number` (`my ssn is`, `aadhaar no is`), or of
 * `moreWords` (an alternation: a language's own, such as Dutch `nummer`). The number's digits are
 * appended for each number ({@link calledSql}).
 */
function cuePattern(names: string, wordsBetween: number, moreWords = ''): string {
  const words = `is|was|no\\.?|number|nr\\.?${moreWords === '' ? '' : `|${moreWords}`}`;
  return String.raw`(?i)(?:^|[^[:alnum:]])(?:${names})[^[:alnum:]]{0,4}(?:(?:${words})[^[:alnum:]]{0,3}){0,${wordsBetween}}`;
}

/**
 * SQL (inside national_id_kind and rut_in) telling whether the text `t` calls the run `tok` a number
 * of a kind: it holds `hint` (one plain scan), and `cue` (a pattern) stands just before `tok`, compiled
 * for that number only.
 */
const calledSql = (hint: string, cue: string): string => `t ~ ${quoteLiteral(hint)} AND t ~ (${quoteLiteral(cue)} || tok || '(?![0-9])')`;

/**
 * What stands before an SSN or ITIN written as nine bare digits where the text calls it one (`my ssn
 * is`, `SSN#:`, `social security number`, `ITIN`, `taxpayer id`). Case-insensitive; the digits are
 * appended for each number (national_id_kind).
 */
const SSN_CUE = cuePattern(String.raw`ssn|ss#|social security(?: number| no\.?)?|itin|taxpayer id(?:entification)?(?: number)?`, 1);
/** What a text holding an {@link SSN_CUE} holds, tested first: one plain scan, where the cue's pattern is compiled for each number. */
const SSN_HINT = '(?i)ssn|ss#|social security|itin|taxpayer id';

/**
 * What stands before a CPF written as eleven bare digits where the text calls it one (`meu cpf é`,
 * `CPF:`, `cpf nº`, `CPF número`, `CPF do titular`). Case-insensitive, and ASCII, as all this SQL is:
 * `é` and `nº` are read as one or two letters (`[[:alpha:]]`), or under ctype C as characters that are
 * no letter or digit.
 */
const CPF_CUE = String.raw`(?i)(?:^|[^[:alnum:]])cpf[^[:alnum:]]{0,4}(?:(?:[[:alpha:]]{1,2}|is|nr|n[^[:space:]]mero|do titular)[^[:alnum:]]{0,3})?`;
/** What a text holding a {@link CPF_CUE} holds, tested first. */
const CPF_HINT = '(?i)cpf';

/**
 * What stands before a Canadian Social Insurance Number written as nine bare digits where the text
 * calls it one (`SIN:`, `my sin number is`, `social insurance number`, French `NAS`): up to two words
 * such as `number` or `is` between. Case-insensitive.
 */
const SIN_CUE = cuePattern(String.raw`sin|social insurance(?: number| no\.?)?|nas`, 2);
/** What a text holding a {@link SIN_CUE} holds, tested first. */
const SIN_HINT = '(?i)sin|social insurance|nas';

/**
 * What stands before an Indian Aadhaar number written as twelve bare digits where the text calls it one
 * (`aadhaar:`, `my aadhar no is`, `aadhaar card number`, `UID`): up to two words such as `no` or `is`
 * between. Case-insensitive.
 */
const AADHAAR_CUE = cuePattern('aa?dh?aa?r(?: card)?|uid(?:ai)?', 2);
/** What a text holding an {@link AADHAAR_CUE} holds, tested first. */
const AADHAAR_HINT = '(?i)a?dh?aa?r|uid';

/**
 * What stands before a Dutch citizen service number (BSN) where the text calls it one (`BSN:`, `mijn bsn
 * is`, `bsn-nummer`, `burgerservicenummer`, the older `sofinummer`): up to two words such as `nummer` or
 * `is` between. Case-insensitive.
 */
const BSN_CUE = cuePattern('bsn|burgerservicenummer|sofi-?nummer', 2, 'nummer');
/** What a text holding a {@link BSN_CUE} holds, tested first. */
const BSN_HINT = '(?i)bsn|burgerservice|sofi';

/**
 * What stands before a Polish PESEL where the text calls it one (`PESEL:`, `numer PESEL to`, `mój
 * pesel jest`): up to two words such as `to` (is) or `nr` between. Case-insensitive.
 */
const PESEL_CUE = cuePattern('pesel', 2, 'numer|to|jest');
/** What a text holding a {@link PESEL_CUE} holds, tested first. */
const PESEL_HINT = '(?i)pesel';

/**
 * Where a Chilean RUT (or RUN) is, starting and ending a word: a body of seven or eight digits, dotted
 * 1-2.3.3 or not, a hyphen, and a check digit or K (`12.345.678-5`, `7.654.321-K`, `12345678-5`). A
 * dotted one is one wherever it stands, one without dots only where the text calls it one (`RUT:`, `mi
 * rut es`): an order number with a suffix is written so. Only one whose check is right is one. Read
 * by a pass of its own (`rut_in`): its check may be a K. One capture group.
 */
export const RUT = `(?:^|[^${LETTERS.alnum}.])([0-9]{1,2}[.][0-9]{3}[.][0-9]{3}-[0-9Kk]|[0-9]{7,8}-[0-9Kk])(?![${LETTERS.alnum}])`;
/**
 * What a text holding a {@link RUT} holds, tested before its pattern: three digits, a hyphen, a digit or
 * K, and no letter or digit after (a phone number's `555-234-5678` has none).
 */
const RUT_HINT = '[0-9]{3}-[0-9Kk]([^0-9A-Za-z]|$)';
/** SQL telling whether the text `text` may hold a {@link RUT}, tested first: a hyphen (a plain search), then {@link RUT_HINT}. */
export const rutHintSql = (text: string): string => `strpos(${text}, '-') > 0 AND ${text} ~ ${quoteLiteral(RUT_HINT)}`;
/**
 * What stands before a RUT without dots where the text calls it one (`RUT:`, `mi rut es`, `RUN nº`,
 * `rut número`, `rol único tributario`): up to two words such as `es` or `nº` between. Case-insensitive.
 */
const RUT_CUE = cuePattern('rut|run|rol [^[:space:]]{4,5} tributario', 2, 'es|n[^[:space:]]?|n[^[:space:]]{1,2}mero');
/** What a text holding a {@link RUT_CUE} holds, tested first. */
const RUT_CUE_HINT = '(?i)ru[nt]|tributario';

/**
 * Where a UK National Insurance number (NINO) is, in any capitals, spaced in pairs or not (`AB 12 34
 * 56 C`, `ab123456c`), starting and ending a word: two prefix letters as HMRC allocates them (the first
 * not D, F, I, Q, U or V; the second none of those nor O), six digits, and a suffix A to D. Read by a
 * pass of its own (letters and digits: the digits detector does not see it); the prefixes never
 * allocated (BG, GB, KN, NK, NT, TN, ZZ) are told by `nino_live`. One capture group: the number.
 */
export const NINO = `(?:^|[^${LETTERS.alnum}])([A-CEGHJ-PR-TW-Za-ceghj-pr-tw-z][A-CEGHJ-NPR-TW-Za-ceghj-npr-tw-z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d])(?![${LETTERS.alnum}])`;

/**
 * Where an Indian PAN (Permanent Account Number) is, in capitals as it is printed (`AFZPK7190K`),
 * starting and ending a word: five letters, the fourth saying who holds it (P a person, C a company, H a
 * family, F a firm, A, B, E, G, J, L or T another body), four digits and a letter. One capture group.
 */
export const PAN = `(?:^|[^${LETTERS.alnum}])([A-Z]{3}[ABCEFGHJLPT][A-Z][0-9]{4}[A-Z])(?![${LETTERS.alnum}])`;
/**
 * Where an Indian PAN is in any capitals where the text calls one so (`my pan is afzpk7190k`, `PAN card
 * no: Afzpk7190k`): elsewhere five letters, four digits and a letter in small letters are any code. One
 * capture group (the PAN; a {@link PAN} in capitals matches too).
 */
export const PAN_CALLED = `${cuePattern('pan(?: card)?', 2)}([A-Za-z]{3}[ABCEFGHJLPTabcefghjlpt][A-Za-z][0-9]{4}[A-Za-z])(?![${LETTERS.alnum}])`;
/**
 * SQL telling whether the text `text` may hold a {@link PAN_CALLED}, tested first: `pan`, `PAN` or `Pan`
 * (three plain searches: `lower` of the text cost more than the rest of the test), then four digits and
 * a letter (a PAN's end). `company` and `Japan` hold `pan` too.
 */
export const panCalledHintSql = (text: string): string =>
  `(strpos(${text}, 'pan') > 0 OR strpos(${text}, 'PAN') > 0 OR strpos(${text}, 'Pan') > 0) AND ${text} ~ '[0-9]{4}[A-Za-z]'`;

/**
 * Where a Spanish DNI or NIE is, in any capitals (`12345678Z`, `12.345.678-Z`, `X1234567L`,
 * `x-1234567-l`), starting and ending a word: eight digits (maybe dotted 2.3.3) or X, Y or Z and seven,
 * then a letter, maybe after a hyphen, or after a space in capitals (`12345678 Z`). A small letter
 * after a space is a word: Spanish `y`, `o`, `a`, Italian and Portuguese `e` after a number (`02
 * 12345678 e poi`) would be read as a DNI one time in 23, and a phone number's fake so would fail
 * verify. Only one whose letter is its check letter is one (`dni_valid`). One capture group.
 */
export const DNI = `(?:^|[^${LETTERS.alnum}.])((?:[0-9]{8}|[0-9]{2}[.][0-9]{3}[.][0-9]{3}|[XYZxyz]-?[0-9]{7})(?:-?[A-Za-z]| [A-Z]))(?![${LETTERS.alnum}])`;

/**
 * Where a Mexican CURP is, in any capitals (`GODE561231HDFRRN00`), starting and ending a word: four
 * letters (the second a vowel or X), six digits (a date of birth), H, M or X, two letters (a state),
 * three consonants, a letter or digit and a check digit. Only one whose check digit is right is one
 * (`curp_valid`). One capture group.
 */
export const CURP = `(?:^|[^${LETTERS.alnum}])([A-Za-z][AEIOUXaeioux][A-Za-z]{2}[0-9]{6}[HMXhmx][A-Za-z]{2}[B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{3}[0-9A-Za-z][0-9])(?![${LETTERS.alnum}])`;
/** The codes of Mexico's states (and NE, born abroad) a CURP's fake takes one of, run together. */
const CURP_STATES = 'ASBCBSCCCLCMCSCHDFDGGTGRHGJCMCMNMSNTNLOCPLQTQRSPSLSRTCTSTLVZYNZSNE';
/** The consonants a CURP's fake takes three of. */
const CURP_CONSONANTS = 'BCDFGHJKLMNPQRSTVWXYZ';

/**
 * Where an Italian codice fiscale is, in any capitals (`RSSMRA85T10A562S`), starting and ending a word:
 * six letters (of the surname and name), two digits (the year of birth), a month's letter, two digits
 * (the day, plus 40 for a woman), a letter and three digits (the place of birth), and a check letter.
 * Where two people would share one, digits are written as letters (L to V for 0 to 9, omocodia).
 * Only one whose letter is its check letter is one (`codice_fiscale_valid`). One capture group.
 */
export const CODICE_FISCALE = `(?:^|[^${LETTERS.alnum}])([A-Za-z]{6}[0-9LMNP-Vlmnp-v]{2}[ABCDEHLMPRSTabcdehlmprst][0-9LMNP-Vlmnp-v]{2}[A-Za-z][0-9LMNP-Vlmnp-v]{3}[A-Za-z])(?![${LETTERS.alnum}])`;
/**
 * What a text holding a {@link CODICE_FISCALE} holds, tested (after {@link LETTER_ID_HINT}) before its
 * pattern: a digit, a letter and a digit (the year's last digit, the month's letter and the day's
 * first: `5T1`). Letters written for digits (omocodia) replace them from the right, so this stays
 * until a code's fifth such letter. On text of times, sizes and codes (`5pm`, `2nd`, `10kg`), which
 * {@link LETTER_ID_HINT} lets through, the token scan took about 1.2x as long with the pattern alone,
 * and 1.05x with this test first, against no codice fiscale pass at all.
 */
export const CODICE_FISCALE_HINT = '[0-9][A-Za-z][0-9]';
/**
 * What a codice fiscale's character in an odd place counts toward its check letter, as a letter (A for
 * 0): a digit k, or the kth letter (from 0), counts as this string's kth letter.
 */
const CODICE_FISCALE_ODD = 'BAFHJNPRTVCESULDGIMOQKWZYX';
/** The letters of the months a codice fiscale's fake takes one of. */
const CODICE_FISCALE_MONTHS = 'ABCDEHLMPRST';

/**
 * What a text holding a {@link NINO}, {@link PAN}, {@link DNI}, {@link CURP} or {@link CODICE_FISCALE}
 * holds, tested once for the five first: a digit, maybe a hyphen or space, then a letter. A quarter of
 * one of those patterns' cost on text holding none of them (0.5 against 2 microseconds a text of a
 * hundred characters), which is most text.
 */
export const LETTER_ID_HINT = '[0-9][ -]?[A-Za-z]';
/** A DNI's or NIE's check letters, by its number modulo 23. */
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/**
 * Digits written as letters (`a` for 0 … `j` for 9): tables of digits in the helpers' SQL would be runs
 * of digits in its DDL text, which an event trigger may log in the copy, and verify reads as phone numbers.
 */
const asLetters = (digits: string): string => digits.replace(/[0-9]/g, (digit) => String.fromCharCode(97 + Number(digit)));
/** The Verhoeff scheme's tables (an Aadhaar number's check digit): its multiplication, row by row, its permutations and its inverses, as {@link asLetters}. */
const VERHOEFF_D = asLetters('0123456789123406789523401789563401289567401239567859876043216598710432765982104387659321049876543210');
const VERHOEFF_P = asLetters('01234567891576283094580379614289160435279453126870428657390127938064157046913258');
const VERHOEFF_INV = asLetters('0432156789');

/** The SQL of the national identity numbers' functions (in the mask schema; install before the detectors). */
export function nationalIdsSql(): string {
  return `
-- n digits keyed from the digest h for a fake (hex_digits), a first 0 made 1 to 9 (by h's last byte):
-- a fake starting 0 would read as a phone number after its trunk 0, which verify reports.
CREATE FUNCTION ${s}.fake_digits(h bytea, n int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN left(d, 1) = '0' THEN (1 + get_byte(h, length(h) - 1) % 9)::text || substr(d, 2) ELSE d END
    FROM (SELECT ${s}.hex_digits(h, n) AS d) AS x
$fn$;

-- Which national identity number the digit run tok is (d: its digits; t: the text it is in, NULL when
-- unknown), or NULL: 'ssn' grouped 3-2-4 by hyphens or spaces, or nine bare digits after an SSN's cue
-- in t; 'bsn' (the Netherlands') passing the eleven test, bare or grouped 4-2-3, after a BSN's cue
-- only; 'sin' (Canada's) Luhn-valid, not starting 0 (never issued) or 8 (a business number), grouped
-- 3-3-3 or bare, after a SIN's cue only (Spain's phone numbers are grouped 3-3-3 too); 'aadhaar'
-- (India's) Verhoeff-valid, not starting 0 or 1 (never issued), grouped 4-4-4 or twelve bare digits
-- after its cue; 'cpf' with valid check digits, written with its dots and dash, or eleven bare digits
-- after a CPF's cue; 'pesel' (Poland's) of a valid date and check digit, bare after its cue only.
-- (No example here, nor below: the DDL text of these helpers may be logged in the copy, and verify
-- reads it.)
CREATE FUNCTION ${s}.national_id_kind(tok text, d text, t text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  IF length(d) = 9 THEN
    IF tok ~ '^[0-9]{3}(-[0-9]{2}-| [0-9]{2} )[0-9]{4}$' THEN RETURN 'ssn'; END IF;
    IF tok = d AND ${calledSql(SSN_HINT, SSN_CUE)} THEN RETURN 'ssn'; END IF;
    -- A BSN, bare or grouped 4-2-3 (dotted or spaced) after its cue; the eleven test last, as below.
    IF (tok = d OR tok ~ '^[0-9]{4}([.][0-9]{2}[.]| [0-9]{2} )[0-9]{3}$') AND ${calledSql(BSN_HINT, BSN_CUE)} AND ${s}.bsn_valid(d) THEN
      RETURN 'bsn';
    END IF;
    -- The Luhn sum last: it settles a run only a cue made a candidate.
    IF left(d, 1) NOT IN ('0', '8')
       AND (tok = d OR tok ~ '^[0-9]{3}(-[0-9]{3}-| [0-9]{3} )[0-9]{3}$') AND ${calledSql(SIN_HINT, SIN_CUE)}
       AND ${s}.luhn_sum(d) % 10 = 0 THEN
      RETURN 'sin';
    END IF;
  ELSIF length(d) = 12 THEN
    -- The check digit last, as above.
    IF left(d, 1) BETWEEN '2' AND '9'
       AND (tok ~ '^[0-9]{4}(-[0-9]{4}-| [0-9]{4} )[0-9]{4}$' OR (tok = d AND ${calledSql(AADHAAR_HINT, AADHAAR_CUE)}))
       AND ${s}.verhoeff(d, 0) = 0 THEN
      RETURN 'aadhaar';
    END IF;
  ELSIF length(d) = 11 THEN
    -- The check digits last: most runs of eleven digits are phone numbers, in neither form.
    IF (tok ~ '^[0-9]{3}[.][0-9]{3}[.][0-9]{3}-[0-9]{2}$' OR (tok = d AND ${calledSql(CPF_HINT, CPF_CUE)}))
       AND ${s}.cpf_valid(d) THEN
      RETURN 'cpf';
    END IF;
    IF tok = d AND ${calledSql(PESEL_HINT, PESEL_CUE)} AND ${s}.pesel_valid(d) THEN RETURN 'pesel'; END IF;
  END IF;
  RETURN NULL;
END
$fn$;

-- An SSN or ITIN that could be someone's: the SSA never issues area 000 or 666, group 00 or serial
-- 0000 (areas 900 and up are taxpayer numbers, ITINs: anyone's too).
CREATE FUNCTION ${s}.ssn_issued(v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT left(d, 3) NOT IN ('000', '666') AND substr(d, 4, 2) <> '00' AND right(d, 4) <> '0000' FROM (SELECT ${s}.digits(v) AS d) AS x
$fn$;

-- The fake of an SSN, grouped 3-2-4 or nine bare digits: area 666, never issued; group and serial keyed
-- from the original's digits (one fake however it is grouped), written with its separators.
CREATE FUNCTION ${s}.ssn(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT '666' || sep1 || lpad((1 + ${s}.u32(h, 0) % 99)::text, 2, '0') || sep2 || lpad((1 + ${s}.u32(h, 4) % 9999)::text, 4, '0')
    FROM (SELECT ${s}.digest_normalized('ssn#' || ${s}.digits(v), 0) AS h, CASE WHEN length(v) = 9 THEN '' ELSE substr(v, 4, 1) END AS sep1,
                 CASE WHEN length(v) = 9 THEN '' ELSE substr(v, 7, 1) END AS sep2) AS x
$fn$;

-- The fake of a Canadian SIN: a first digit a SIN may have, seven keyed from the original's digits,
-- then a check digit that fails the Luhn sum (one more than right, modulo 10), so no fake is anyone's;
-- written as the original is (grouped 3-3-3, or bare).
CREATE FUNCTION ${s}.sin(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.put_digits(v, body || ((20 - ${s}.luhn_sum(body || '0') % 10 + 1) % 10)::text)
    FROM (SELECT (ARRAY[1, 2, 3, 4, 5, 6, 7, 9])[1 + ${s}.u32(h, 0) % 8]::text || ${s}.hex_digits(substr(h, 5), 7) AS body
            FROM (SELECT ${s}.digest_normalized('sin#' || ${s}.digits(v), 0) AS h) AS x) AS b
$fn$;

-- The Verhoeff checksum of the digits d, each weighted by its place from the right plus shift: 0 for a
-- number whose last digit checks the others (shift 0); with shift 1, what gives a body's check digit.
CREATE FUNCTION ${s}.verhoeff(d text, shift int) RETURNS int LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE c int := 0; n int := length(d);
BEGIN
  FOR i IN 0..n - 1 LOOP
    c := ascii(substr('${VERHOEFF_D}', c * 10 + ascii(substr('${VERHOEFF_P}', ((i + shift) % 8) * 10 + ascii(substr(d, n - i, 1)) - 47, 1)) - 96, 1)) - 97;
  END LOOP;
  RETURN c;
END
$fn$;

-- The fake of an Aadhaar number: a 1 (no Aadhaar number starts so), ten digits keyed from the
-- original's, and the Verhoeff check digit, so it reads as one to software that checks, yet is no
-- one's; written as the original is (grouped 4-4-4, or bare).
CREATE FUNCTION ${s}.aadhaar(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.put_digits(v, body || (ascii(substr('${VERHOEFF_INV}', ${s}.verhoeff(body, 1) + 1, 1)) - 97)::text)
    FROM (SELECT '1' || ${s}.hex_digits(${s}.digest_normalized('aadhaar#' || ${s}.digits(v), 0), 10) AS body) AS b
$fn$;

-- The fake of a PAN: three letters, a fourth no holder's kind is written with, a fifth letter, four
-- digits and a letter, keyed from the original in capitals (never anyone's: no PAN has that fourth
-- letter); in small letters when the original is.
CREATE FUNCTION ${s}.pan(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN v = lower(v) THEN lower(f) ELSE f END
    FROM (SELECT string_agg(CASE WHEN i = 4 THEN substr('QVWXYZ', 1 + get_byte(h, i) % 6, 1)
                                 WHEN i BETWEEN 6 AND 9 THEN chr(48 + get_byte(h, i) % 10)
                                 ELSE chr(65 + get_byte(h, i) % 26) END, '' ORDER BY i) AS f
            FROM (SELECT ${s}.digest_normalized('pan#' || upper(v), 0) AS h) AS x, generate_series(1, 10) AS i) AS p
$fn$;

-- Whether a match of the DNI pattern is a DNI or NIE: its letter is its number's check letter (an NIE's
-- X, Y or Z counted as 0, 1 or 2 before its digits).
CREATE FUNCTION ${s}.dni_valid(v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT upper(right(v, 1)) = substr('${DNI_LETTERS}', (n % 23)::int + 1, 1)
    FROM (SELECT (translate(upper(left(v, 1)), 'XYZ', '012') || ${s}.digits(substr(v, 2, length(v) - 2)))::bigint AS n) AS x
$fn$;

-- The fake of a DNI or NIE: digits keyed from the original's (an NIE keeps its X, Y or Z), then a letter
-- that is not their check letter, so no fake is anyone's; written as the original is (dots, hyphens,
-- spaces and capitals kept).
CREATE FUNCTION ${s}.dni(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT p.written || CASE WHEN ascii(right(v, 1)) BETWEEN 97 AND 122 THEN lower(p.letter) ELSE p.letter END
    FROM (SELECT ${s}.put_digits(left(v, length(v) - 1), body) AS written,
                 substr('${DNI_LETTERS}', ((translate(prefix, 'XYZ', '012') || body)::bigint % 23 + 1 + get_byte(h, 8) % 22)::int % 23 + 1, 1) AS letter
            FROM (SELECT h, prefix, ${s}.hex_digits(h, CASE WHEN prefix = '' THEN 8 ELSE 7 END) AS body
                    FROM (SELECT ${s}.digest_normalized('dni#' || upper(${s}.digits(v)), 0) AS h,
                                 CASE WHEN upper(left(v, 1)) IN ('X', 'Y', 'Z') THEN upper(left(v, 1)) ELSE '' END AS prefix) AS x) AS y) AS p
$fn$;

-- The check digit of a CURP's first seventeen characters b: each counts its place in the CURP's table
-- of characters (digits, then the letters with one more after the N, where Spanish writes an N with a
-- tilde: O counts 25), weighted from 18 down to 2; ten less the sum's last digit, modulo 10.
CREATE FUNCTION ${s}.curp_check(b text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ((10 - sum(CASE WHEN a BETWEEN 48 AND 57 THEN a - 48 ELSE a - 55 + (a > 78)::int END * (19 - i)) % 10) % 10)::int
    FROM (SELECT ascii(substr(upper(b), i, 1)) AS a, i FROM generate_series(1, 17) AS i) AS x
$fn$;

-- Whether a match of the CURP pattern is a CURP: its check digit is right.
CREATE FUNCTION ${s}.curp_valid(v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ascii(right(v, 1)) - 48 = ${s}.curp_check(left(v, 17))
$fn$;

-- The fake of a CURP: letters, a date of birth (day 1 to 28), a sex, a state's code, consonants and a
-- letter or digit (as the original's) keyed from the original, then a check digit that is wrong, so no
-- fake is anyone's; in small letters when the original is.
CREATE FUNCTION ${s}.curp(v text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE h bytea := ${s}.digest_normalized('curp#' || upper(v), 0); b text;
BEGIN
  b := chr(65 + get_byte(h, 0) % 26) || substr('AEIOU', 1 + get_byte(h, 1) % 5, 1) || chr(65 + get_byte(h, 2) % 26) || chr(65 + get_byte(h, 3) % 26)
    || lpad((get_byte(h, 4) % 100)::text, 2, '0') || lpad((1 + get_byte(h, 5) % 12)::text, 2, '0') || lpad((1 + get_byte(h, 6) % 28)::text, 2, '0')
    || substr('HM', 1 + get_byte(h, 7) % 2, 1) || substr('${CURP_STATES}', 1 + 2 * (get_byte(h, 8) % ${CURP_STATES.length / 2}), 2)
    || substr('${CURP_CONSONANTS}', 1 + get_byte(h, 9) % 21, 1) || substr('${CURP_CONSONANTS}', 1 + get_byte(h, 10) % 21, 1) || substr('${CURP_CONSONANTS}', 1 + get_byte(h, 11) % 21, 1)
    || CASE WHEN ascii(substr(v, 17, 1)) BETWEEN 48 AND 57 THEN chr(48 + get_byte(h, 12) % 10) ELSE chr(65 + get_byte(h, 12) % 26) END;
  b := b || ((${s}.curp_check(b) + 1) % 10)::text;
  RETURN CASE WHEN v = lower(v) THEN lower(b) ELSE b END;
END
$fn$;

-- Whether a match of the NINO pattern could be someone's: its prefix is one HMRC allocates.
CREATE FUNCTION ${s}.nino_live(v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT upper(left(v, 2)) NOT IN ('BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ')
$fn$;

-- The fake of a UK National Insurance number: a prefix never allocated (its first letter D, F, I, Q, U
-- or V) and no IBAN's country (DE, FR, IT, VG, ...: words after it could make an IBAN whose check passes
-- by chance), six digits and a suffix keyed from the original's letters and digits (one fake however
-- it is spaced or capitalised), laid out as the original is: its spaces kept, each letter in its capitals.
CREATE FUNCTION ${s}.nino(v text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE h bytea := ${s}.digest_normalized('nino#' || upper(replace(v, ' ', '')), 0); f text; out text := ''; k int := 0; c text;
BEGIN
  f := substr('DFIQUV', 1 + get_byte(h, 0) % 6, 1) || substr('BCHMNPWXY', 1 + get_byte(h, 1) % 9, 1)
    || ${s}.hex_digits(substr(h, 3), 6) || substr('ABCD', 1 + get_byte(h, 20) % 4, 1);
  FOR i IN 1..length(v) LOOP
    c := substr(v, i, 1);
    IF c = ' ' THEN
      out := out || c;
    ELSE
      k := k + 1;
      out := out || CASE WHEN ascii(c) BETWEEN 97 AND 122 THEN lower(substr(f, k, 1)) ELSE substr(f, k, 1) END;
    END IF;
  END LOOP;
  RETURN out;
END
$fn$;

-- The check of a RUT's body d (digits), 0 to 9, or 10 for K: its digits from the right weighted 2 to 7
-- in turn; eleven less the sum modulo 11, 11 counting 0.
CREATE FUNCTION ${s}.rut_check(d text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ((11 - sum(substr(d, length(d) + 1 - i, 1)::int * (2 + (i - 1) % 6)) % 11) % 11)::int FROM generate_series(1, length(d)) AS i
$fn$;

-- Whether the match tok of the RUT pattern in the text t is a RUT: its check is right, and it is dotted,
-- or t calls it one (its cue just before it).
CREATE FUNCTION ${s}.rut_in(tok text, t text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN upper(right(tok, 1)) = 'K' THEN 10 ELSE ascii(right(tok, 1)) - 48 END = ${s}.rut_check(${s}.digits(left(tok, length(tok) - 1)))
     AND (strpos(tok, '.') > 0 OR (${calledSql(RUT_CUE_HINT, RUT_CUE)}))
$fn$;

-- Whether a RUT's fake of the body b may end in K: its check is no K (so the fake is no one's), and
-- b, of eight digits, is no Spanish DNI whose check letter is K (a dotted body of eight digits and a
-- letter may read as one).
CREATE FUNCTION ${s}.rut_k_fits(b text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.rut_check(b) <> 10 AND (length(b) <> 8 OR substr('${DNI_LETTERS}', (b::bigint % 23)::int + 1, 1) <> 'K')
$fn$;

-- The fake of a RUT: a body of as many digits keyed from the original's (the first not 0), then a check
-- digit that is wrong, so no fake is anyone's; written as the original is (dots kept). A K where the
-- original has one (in its capitals), the body's last digit moved on until it fits (rut_k_fits: of the
-- ten, at most one fails each test): a digit there would run into a number after it (a phone number
-- written next), and hide that.
CREATE FUNCTION ${s}.rut(v text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE d text := ${s}.digits(left(v, length(v) - 1)); h bytea := ${s}.digest_normalized('rut#' || d, 0); body text := ${s}.fake_digits(h, length(d)); fitted text; r int;
BEGIN
  IF upper(right(v, 1)) = 'K' THEN
    FOR i IN 0..9 LOOP
      fitted := left(body, -1) || ((right(body, 1)::int + i) % 10)::text;
      IF ${s}.rut_k_fits(fitted) THEN RETURN ${s}.put_digits(left(v, length(v) - 1), fitted) || right(v, 1); END IF;
    END LOOP;
  END IF;
  r := ${s}.rut_check(body);
  RETURN ${s}.put_digits(left(v, length(v) - 1), body) || CASE WHEN r = 10 THEN (get_byte(h, 8) % 10)::text ELSE ((r + 1 + get_byte(h, 8) % 9) % 10)::text END;
END
$fn$;

-- The weighted sum of the Dutch eleven test (elfproef) of a BSN's first eight digits d: each weighted
-- from 9 down to 2. A BSN's ninth digit is that sum modulo 11.
CREATE FUNCTION ${s}.elf_sum(d text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT sum(substr(d, i, 1)::int * (10 - i))::int FROM generate_series(1, 8) AS i
$fn$;

-- Whether nine digits d are a BSN that could be someone's: not all zeros, passing the eleven test.
CREATE FUNCTION ${s}.bsn_valid(d text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ltrim(d, '0') <> '' AND ${s}.elf_sum(d) % 11 = right(d, 1)::int
$fn$;

-- The fake of a BSN: eight digits keyed from the original's (the first not 0), then a ninth that fails
-- the eleven test (one more than right, modulo 10), so no fake is anyone's; written as the original is.
CREATE FUNCTION ${s}.bsn(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.put_digits(v, body || ((${s}.elf_sum(body) % 11 + 1) % 10)::text)
    FROM (SELECT ${s}.fake_digits(h, 8) AS body FROM (SELECT ${s}.digest_normalized('bsn#' || ${s}.digits(v), 0) AS h) AS x) AS b
$fn$;

-- The check digit of a PESEL's first ten digits d: weighted 1, 3, 7 and 9 in turn; ten less the sum's
-- last digit, modulo 10.
CREATE FUNCTION ${s}.pesel_check(d text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ((10 - sum(substr(d, i, 1)::int * (ARRAY[1, 3, 7, 9])[1 + (i - 1) % 4]) % 10) % 10)::int FROM generate_series(1, 10) AS i
$fn$;

-- Whether eleven digits d are a PESEL that could be someone's: a date of birth (the month plus 20 for
-- each century from 2000, or 80 for the 1800s) and a right check digit.
CREATE FUNCTION ${s}.pesel_valid(d text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT substr(d, 3, 2)::int % 20 BETWEEN 1 AND 12 AND substr(d, 5, 2)::int BETWEEN 1 AND 31 AND right(d, 1)::int = ${s}.pesel_check(d)
$fn$;

-- The fake of a PESEL: a year (not 00 to 09: no trunk 0), a month (in the original's century), a day
-- from 1 to 28 and four digits keyed from the original's, then a check digit that is wrong, so no fake
-- is anyone's.
CREATE FUNCTION ${s}.pesel(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT body || ((${s}.pesel_check(body) + 1) % 10)::text
    FROM (SELECT ${s}.fake_digits(h, 2) || lpad((substr(d, 3, 2)::int / 20 * 20 + 1 + get_byte(h, 4) % 12)::text, 2, '0')
                 || lpad((1 + get_byte(h, 5) % 28)::text, 2, '0') || ${s}.hex_digits(substr(h, 7), 4) AS body
            FROM (SELECT ${s}.digest_normalized('pesel#' || d, 0) AS h, d FROM (SELECT ${s}.digits(v) AS d) AS x) AS y) AS b
$fn$;

-- The number of a codice fiscale's check letter (A is 0) for its first fifteen characters b: a
-- character in an odd place counts as the table of odd places says, one in an even place its place among
-- digits or letters (from 0); the sum modulo 26.
CREATE FUNCTION ${s}.codice_fiscale_check(b text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT (sum(CASE WHEN i % 2 = 1 THEN ascii(substr('${CODICE_FISCALE_ODD}', v + 1, 1)) - 65 ELSE v END) % 26)::int
    FROM (SELECT i, CASE WHEN a BETWEEN 48 AND 57 THEN a - 48 ELSE a - 65 END AS v
            FROM (SELECT i, ascii(substr(upper(b), i, 1)) AS a FROM generate_series(1, 15) AS i) AS x) AS y
$fn$;

-- Whether a match of the codice fiscale's pattern is one: its last letter is its check letter.
CREATE FUNCTION ${s}.codice_fiscale_valid(v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ascii(upper(right(v, 1))) - 65 = ${s}.codice_fiscale_check(left(v, 15))
$fn$;

-- The fake of a codice fiscale: six letters, a year, a month's letter, a day (plus 40 for a woman, by
-- the original's day), a place's letter and three digits keyed from the original, then a check letter
-- that is wrong, so no fake is anyone's; in small letters when the original is.
CREATE FUNCTION ${s}.codice_fiscale(v text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE h bytea := ${s}.digest_normalized('codice_fiscale#' || upper(v), 0); b text := '';
BEGIN
  FOR i IN 0..5 LOOP b := b || chr(65 + get_byte(h, i) % 26); END LOOP;
  b := b || ${s}.hex_digits(substr(h, 7), 2) || substr('${CODICE_FISCALE_MONTHS}', 1 + get_byte(h, 8) % 12, 1)
    || lpad((1 + get_byte(h, 9) % 28 + CASE WHEN upper(substr(v, 10, 1)) IN ('4', '5', '6', '7', 'Q', 'R', 'S', 'T') THEN 40 ELSE 0 END)::text, 2, '0')
    || chr(65 + get_byte(h, 10) % 13) || ${s}.hex_digits(substr(h, 12), 3);
  b := b || chr(65 + (${s}.codice_fiscale_check(b) + 1 + get_byte(h, 14) % 25) % 26);
  RETURN CASE WHEN v = lower(v) THEN lower(b) ELSE b END;
END
$fn$;

-- The two check digits of a CPF's first nine digits d: each the sum of the digits before it weighted
-- from 10 (then 11) down to 2, times 10, modulo 11, a 10 written 0.
CREATE FUNCTION ${s}.cpf_check(d text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT v1::text || (((w2 + v1 * 2) * 10 % 11) % 10)::text
    FROM (SELECT ((sum(substr(d, i, 1)::int * (11 - i)) * 10 % 11) % 10)::int AS v1, sum(substr(d, i, 1)::int * (12 - i))::int AS w2
            FROM generate_series(1, 9) AS i) AS x
$fn$;

-- Whether v's digits are a CPF that could be someone's: eleven, not all one digit (such a number passes
-- the check but is never issued), their check digits right.
CREATE FUNCTION ${s}.cpf_valid(v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT length(d) = 11 AND d <> repeat(left(d, 1), 11) AND right(d, 2) = ${s}.cpf_check(left(d, 9)) FROM (SELECT ${s}.digits(v) AS d) AS x
$fn$;

-- The fake of a CPF: nine digits keyed from the original's (the first not 0), then check digits that
-- fail (the first one more than right, modulo 10), so no fake is anyone's; written as the original is
-- (dots and dash, or bare).
CREATE FUNCTION ${s}.cpf(v text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.put_digits(v, body || ((left(c, 1)::int + 1) % 10)::text || right(c, 1))
    FROM (SELECT body, ${s}.cpf_check(body) AS c
            FROM (SELECT ${s}.fake_digits(h, 9) AS body FROM (SELECT ${s}.digest_normalized('cpf#' || ${s}.digits(v), 0) AS h) AS y) AS b) AS x
$fn$;
`;
}
