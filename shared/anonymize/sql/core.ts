import { quoteLiteral } from '../../db/client';
import { CITIES, DICTIONARY_TABLES, FAKE_EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS, WORDS } from '../dictionaries';

/**
 * The dedicated schema rehearsal creates in the candidate for its helper functions, dictionaries and the
 * verify fingerprints. Created by anonymize, dropped after a passing verify.
 */
export const MASK_SCHEMA = 'rehearsal_mask';

/** A US ZIP+4 code (`94107-1234`): text may quote a customer's ZIP code with its four digits after it, or without them. */
export const ZIP_PLUS_FOUR = '^[0-9]{5}-[0-9]{4}$';

/**
 * SQL giving the ZIP code of `value` (SQL, text) when it is a ZIP+4 code (`94107` of `94107-1234`), NULL
 * otherwise. `first` (SQL) is the text whose first character is tested for a digit before the pattern
 * is: most words start with none.
 */
export const zipCodeOfSql = (value: string, first = value): string =>
  `CASE WHEN ascii(${first}) BETWEEN 48 AND 57 AND ${value} ~ '${ZIP_PLUS_FOUR}' THEN left(${value}, 5) END`;

/**
 * The digits of other scripts that people type numbers in, as regex escapes for a bracket expression:
 * fullwidth (U+FF10-U+FF19: Chinese, Japanese and Korean input methods), Arabic-Indic (U+0660-U+0669),
 * Extended Arabic-Indic (U+06F0-U+06F9: Persian and Urdu) and Devanagari (U+0966-U+096F).
 * {@link asciiDigitsSql} reads them as ASCII digits. Written `\x…`, not `\u…`: rehearsal's DDL may be
 * logged into a kept column, where verify reads JSON escapes, and these read so are ten digits in a row.
 */
export const NATIVE_DIGITS = '\\xFF10-\\xFF19\\x660-\\x669\\x6F0-\\x6F9\\x966-\\x96F';

/**
 * SQL giving the text `value` with the digits of other scripts ({@link NATIVE_DIGITS}) and the fullwidth
 * plus, parentheses, hyphen and full stop and the ideographic space read as their ASCII twins, one
 * character for one, so that a match in it is where the same characters stand in `value`. A text with
 * none is given back as it is. The test for ASCII is written out here, so all-ASCII text costs one
 * comparison of lengths and no call of `ascii_digits` (a call costs a microsecond or more: verify's
 * search of digits took 2.3 times as long with one for every text). `value` is read up to three times.
 */
export function asciiDigitsSql(value: string): string {
  return `CASE WHEN octet_length(${value}) = length(${value}) THEN ${value} ELSE ${MASK_SCHEMA}.ascii_digits(${value}) END`;
}

/**
 * SQL giving the text `value` in Unicode's composed form (NFC): `José` typed with its accent as a
 * character of its own after the `e` (NFD: macOS file names, text pasted from them, some phones) reads
 * as the `José` a column holds, so a name is found, fingerprinted and faked alike in either form; under
 * NFD, `Jose` and its accent are two words to a regular expression, the accent being no letter. All-ASCII
 * text (most) costs a comparison of lengths and no call of `nfc`; `value` is read up to three times.
 */
export function nfcSql(value: string): string {
  return `CASE WHEN octet_length(${value}) = length(${value}) THEN ${value} ELSE ${MASK_SCHEMA}.nfc(${value}) END`;
}

/**
 * The letters of Latin-1 and Latin Extended-A that stand for an ASCII letter with an accent or stroke
 * (`é`, `ü`, `ł`, `ø`), as code points, and those ASCII letters in the same order (`e`, `u`, `l`, `o`):
 * how a name reads typed without its accents (`Jose Garcia` for `José García`, as phones and chats
 * often write it). Letters of their own (`ß`, `æ`, `þ`) are left.
 */
const UNACCENTED: { readonly codes: readonly number[]; readonly letters: string } = (() => {
  const strokes: Readonly<Record<number, string>> = { 0xd8: 'O', 0xf8: 'o', 0x110: 'D', 0x111: 'd', 0x126: 'H', 0x127: 'h', 0x131: 'i', 0x141: 'L', 0x142: 'l', 0x166: 'T', 0x167: 't' };
  const codes: number[] = [];
  let letters = '';
  for (let code = 0xc0; code <= 0x17f; code++) {
    const base = strokes[code] ?? String.fromCodePoint(code).normalize('NFD').charAt(0);
    if (!/^[A-Za-z]$/.test(base)) continue;
    codes.push(code);
    letters += base;
  }
  return { codes, letters };
})();

/**
 * SQL giving the text `value` with accented letters as the plain ones (`unaccented`: `José García` as
 * `Jose Garcia`), in a UTF-8 database; NULL when that is `value` itself, all ASCII among them (a
 * comparison of lengths for those). `value` is read up to three times.
 */
export function unaccentedSql(value: string): string {
  return `CASE WHEN octet_length(${value}) > length(${value}) THEN nullif(${MASK_SCHEMA}.unaccented(${value}), ${value}) END`;
}

/**
 * A text longer than this many bytes is scrubbed in pieces (long-texts.ts). Below it, a text costs what
 * its tokens cost: each token found is replaced in the whole text, so a text's time grows with its
 * length times its tokens (a megabyte of 32,000 emails and phone numbers took 85 s whole).
 */
export const LONG_TEXT_BYTES = 16_384;

/** The session setting holding the masking key as a 64-byte block (hex, see keyed-digest.ts). Never stored in a table. */
export const KEY_SETTING = 'rehearsal.mask_key';

/**
 * The ten ASCII digits as an SQL string, written in two parts: rehearsal's own DDL may be logged into a
 * kept column by a production DDL audit trigger, and `'0123456789'` whole reads as a phone number there.
 */
export const ASCII_DIGITS = "('01234' || '56789')";

const arrayLiteral = (values: readonly string[]): string => `ARRAY[${values.map(quoteLiteral).join(', ')}]::text[]`;

/** A dictionary pick function: `i` (any non-negative number) picks one entry, by index, never by sorting. */
function pickFunction(name: string, values: readonly string[]): string {
  return `CREATE FUNCTION ${MASK_SCHEMA}.${name}(i bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT (${arrayLiteral(values)})[1 + (i % ${values.length})::int]
$fn$;`;
}

/**
 * SQL giving the value of `ref` as text under the database's default collation. Every value rehearsal
 * hashes, scans or fakes goes through it: a column under a nondeterministic (case- or accent-blind)
 * collation would otherwise make every regular expression over it fail ("nondeterministic collations
 * are not supported for regular expressions"), and a value gets the same fake whatever its column's collation.
 */
export function textOf(ref: string): string {
  return `${ref}::text COLLATE "default"`;
}

/**
 * SQL giving the text in the `bytea` expression `bytes`: its escape form, where ASCII stays as it is
 * (`{"to":"ann@gmail.com"}`), with each other byte (`\000`, `\377`) read as a space, so that it cannot
 * glue digits to the text beside it. Non-ASCII letters are spaces too.
 */
export function bytesTextSql(bytes: string): string {
  return String.raw`regexp_replace(encode(${bytes}, 'escape'), '\\[0-7]{3}', ' ', 'g')`;
}

/**
 * Bytes of a verify fingerprint (a truncated keyed SHA-256). Among 10 million originals and 10 million
 * searched values, two unrelated values share one with a chance of about 5 in a million per run, and
 * such a collision can only make verify fail (a finding to look at), never pass.
 */
export const FINGERPRINT_BYTES = 8;

/**
 * SQL giving the verify fingerprint of the text expression `value`, for statements that take many: the
 * key block is an uncorrelated sub-select, which PostgreSQL computes once per statement (and hands to
 * parallel workers), instead of reading and decoding the key setting for every value, half the cost of
 * a fingerprint. Same bytes as `fingerprint(value)`.
 */
export function fingerprintSql(value: string): string {
  return `${MASK_SCHEMA}.fingerprint_with((SELECT ${MASK_SCHEMA}.key_block()), ${value})`;
}

/**
 * The keyed digest every fake derives from: SHA-256 over the secret key block and the value, built on
 * the built-in `sha256(bytea)` (PostgreSQL 11+, no extension; why one pass is enough: keyed-digest.ts),
 * with the key block read from a session setting, so the key is never a literal in SQL text, never in a table. `attempt` > 0 derives another digest for the same value (used
 * only to resolve a uniqueness collision).
 */
export function coreSql(): string {
  const s = MASK_SCHEMA;
  return `
CREATE SCHEMA ${s};
COMMENT ON SCHEMA ${s} IS 'rehearsal: masking helpers and verify fingerprints; dropped after a passing verify';
-- Fingerprints of original values (known-values.ts): quoted, those free text quotes, which scrubText
-- replaces there; shaped, names made of dictionary words, which a fake could equal (see fake_shaped)
-- and name fakes avoid, and every postcode, which postcode fakes avoid; phones' digits, which text may
-- quote as a bare number.
CREATE TABLE ${s}.known_values (fp bytea NOT NULL, kind text NOT NULL, shaped boolean NOT NULL, quoted boolean NOT NULL);
-- What phrases free text is searched for (known-values.ts): words of the longest original street,
-- city or postcode, and whether any original username is long enough to look for. One row.
CREATE TABLE ${s}.phrase_search (words int NOT NULL, usernames boolean NOT NULL);
INSERT INTO ${s}.phrase_search VALUES (0, false);
-- Keyed fingerprints of the free texts that quote a full name a rule masks written in other capitals
-- than its column's, such as all in small letters, or a street, city or postcode so (place)
-- (known-values.ts): only their words are looked up, in pairs and threes or around a place's head
-- word, when their table is masked.
CREATE TABLE ${s}.recased_texts (fp bytea NOT NULL, place boolean NOT NULL DEFAULT false);
-- The head words of the original streets, cities and postcodes, keyed, with where each stands in its
-- value and the value's words (known-values.ts): where text is searched for them in any capitals.
CREATE TABLE ${s}.place_heads (fp bytea NOT NULL, o int NOT NULL, n int NOT NULL, cued boolean NOT NULL);

CREATE FUNCTION ${s}.key_block() RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT decode(current_setting('${KEY_SETTING}'), 'hex')
$fn$;

CREATE FUNCTION ${s}.keyed(data bytea) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT sha256(${s}.key_block() || data)
$fn$;

-- v in composed form (see nfcSql, which spares ASCII text the call). Only in a UTF-8 database, the only
-- one normalize() works in; a text already composed (checked in a quarter of the time) is given back.
-- COST 1: called for text beyond ASCII only, and at plpgsql's default cost (100) an SQL function given
-- nfcSql's expression as an argument it reads twice was no longer inlined (fake_shaped: the scan of
-- 200k names for their fingerprints took 7 times as long).
CREATE FUNCTION ${s}.nfc(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1 AS $fn$
BEGIN
  IF octet_length(v) = length(v) OR getdatabaseencoding() <> 'UTF8' OR v IS NFC NORMALIZED THEN RETURN v; END IF;
  RETURN normalize(v, NFC);
END
$fn$;

-- The letters unaccented reads as plain ones, built with chr() since this SQL is ASCII, and only in a
-- UTF-8 database (where chr() takes a code point); none in another. Immutable, so computed once a statement.
CREATE FUNCTION ${s}.accented_letters() RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  IF getdatabaseencoding() <> 'UTF8' THEN RETURN ''; END IF;
  RETURN (SELECT string_agg(chr(c), '' ORDER BY i) FROM unnest(ARRAY[${UNACCENTED.codes.join(', ')}]) WITH ORDINALITY AS u(c, i));
END
$fn$;

CREATE FUNCTION ${s}.plain_letters() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN getdatabaseencoding() = 'UTF8' THEN '${UNACCENTED.letters}' ELSE '' END
$fn$;

-- v as typed without its accents (Jose Garcia for a Jose and a Garcia with accents; see unaccentedSql); v in composed form.
CREATE FUNCTION ${s}.unaccented(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT translate(v, ${s}.accented_letters(), ${s}.plain_letters())
$fn$;

-- v itself, declared volatile: a subquery whose output calls it is not pulled up into the query reading
-- it, so an expression giving v is computed once a row, not at each read of v. Inlined to nothing then.
CREATE FUNCTION ${s}.evaluated_once(v text) RETURNS text LANGUAGE sql VOLATILE PARALLEL SAFE AS $fn$
  SELECT v
$fn$;

-- A value other than an email or phone is faked in composed form (nfc): its fake is the same whichever
-- form a column or a quote in free text writes it in.
CREATE FUNCTION ${s}.norm(kind text, v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE kind WHEN 'email' THEN lower(btrim(v)) WHEN 'phone' THEN regexp_replace(v, '[^0-9]+', '', 'g') ELSE btrim(${nfcSql('v')}) END
$fn$;

-- The digest of a value already normalized (norm), for a fake that has normalized it itself.
CREATE FUNCTION ${s}.digest_normalized(normalized text, attempt int) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.keyed(convert_to(CASE WHEN attempt = 0 THEN '' ELSE attempt::text || '#' END || normalized, 'UTF8'))
$fn$;

CREATE FUNCTION ${s}.digest(kind text, v text, attempt int) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.digest_normalized(${s}.norm(kind, v), attempt)
$fn$;

-- ${FINGERPRINT_BYTES} bytes: fingerprints are compared within one run only (never kept), and narrow
-- rows keep verify's hash of millions of them small.
CREATE FUNCTION ${s}.fingerprint_with(k bytea, v text) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT substring(sha256(k || convert_to('fingerprint#' || lower(btrim(v)), 'UTF8')) FROM 1 FOR ${FINGERPRINT_BYTES})
$fn$;

CREATE FUNCTION ${s}.fingerprint(v text) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.fingerprint_with(${s}.key_block(), v)
$fn$;

-- The characters ascii_digits reads as ASCII ones in the script'th set of NATIVE_DIGITS (1: fullwidth,
-- with its plus, parentheses, hyphen and full stop and the ideographic space; 2: Arabic-Indic; 3:
-- Extended Arabic-Indic; 4: Devanagari), built with chr() since this SQL is ASCII, and only where the
-- database's encoding is UTF-8: chr() of a code beyond ASCII fails under any other, whose texts cannot
-- hold these characters anyway (an empty set then: nothing is read). Immutable, so a statement
-- computes it once, when it is planned.
CREATE FUNCTION ${s}.native_digit_chars(script int) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  IF getdatabaseencoding() <> 'UTF8' THEN RETURN ''; END IF;
  RETURN (SELECT string_agg(chr((ARRAY[65296, 1632, 1776, 2406])[script] + i), '' ORDER BY i) FROM generate_series(0, 9) AS i)
    || CASE WHEN script = 1 THEN chr(65291) || chr(65288) || chr(65289) || chr(65293) || chr(65294) || chr(12288) ELSE '' END;
END
$fn$;

-- What each of native_digit_chars(script) reads as, in the same order.
CREATE FUNCTION ${s}.native_digit_ascii(script int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN getdatabaseencoding() <> 'UTF8' THEN '' WHEN script = 1 THEN ${ASCII_DIGITS} || '+()-. ' ELSE ${ASCII_DIGITS} END
$fn$;

-- Character for character, so positions in the result are positions in v. Translate walks its set for
-- every character: each script's set is translated only in a text holding one of its digits, and
-- all-ASCII text is given back at once (asciiDigitsSql tests that before calling).
CREATE FUNCTION ${s}.ascii_digits(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
BEGIN
  IF octet_length(v) = length(v) THEN RETURN v; END IF;
  IF v ~ '[\\xFF10-\\xFF19]' THEN v := translate(v, ${s}.native_digit_chars(1), ${s}.native_digit_ascii(1)); END IF;
  IF v ~ '[\\x660-\\x669]' THEN v := translate(v, ${s}.native_digit_chars(2), ${s}.native_digit_ascii(2)); END IF;
  IF v ~ '[\\x6F0-\\x6F9]' THEN v := translate(v, ${s}.native_digit_chars(3), ${s}.native_digit_ascii(3)); END IF;
  IF v ~ '[\\x966-\\x96F]' THEN v := translate(v, ${s}.native_digit_chars(4), ${s}.native_digit_ascii(4)); END IF;
  RETURN v;
END
$fn$;

-- Runs of non-digits, not single characters: the same result with fewer matches (twice as fast on an
-- email). A translate-based shortcut for phone-shaped values was tried: slower (translate walks its
-- character set for every character of the value). Digits of other scripts count (ascii_digits).
CREATE FUNCTION ${s}.digits(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT regexp_replace(${asciiDigitsSql('v')}, '[^0-9]+', '', 'g')
$fn$;

CREATE FUNCTION ${s}.u32(h bytea, at int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT (get_byte(h, at)::bigint << 24) | (get_byte(h, at + 1) << 16) | (get_byte(h, at + 2) << 8) | get_byte(h, at + 3)
$fn$;

-- The first n (at most 64) decimal digits of a digest; only the bytes needed are encoded (translate costs per character).
CREATE FUNCTION ${s}.hex_digits(h bytea, n int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT left(translate(encode(substring(h FROM 1 FOR least(32, (greatest(n, 0) + 1) / 2)), 'hex'), 'abcdef', '012345'), greatest(n, 0))
$fn$;

-- v appears once: PostgreSQL inlines an SQL function only if an argument that costs something (a fake
-- being built) is not used twice; a call that is not inlined goes through the executor, about 1 microsecond.
CREATE FUNCTION ${s}.fit(v text, maxlen int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT left(v, coalesce(maxlen, 2147483647))
$fn$;

${pickFunction('first_name_at', FIRST_NAMES)}
${pickFunction('last_name_at', LAST_NAMES)}
${pickFunction('street_at', STREETS)}
${pickFunction('city_at', CITIES)}
${pickFunction('word_at', WORDS)}
${pickFunction('email_domain_at', FAKE_EMAIL_DOMAINS)}
${dictionaryTablesSql()}
`;
}

/** The dictionaries as lookup tables too, so a person can see what fakes are drawn from. */
function dictionaryTablesSql(): string {
  return Object.entries(DICTIONARY_TABLES)
    .map(([table, values]) => `CREATE TABLE ${MASK_SCHEMA}.${table} (idx int PRIMARY KEY, value text NOT NULL);
INSERT INTO ${MASK_SCHEMA}.${table} SELECT i::int - 1, v FROM unnest(${arrayLiteral(values)}) WITH ORDINALITY AS u(v, i);`)
    .join('\n');
}
