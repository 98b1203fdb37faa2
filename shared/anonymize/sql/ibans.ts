import { quoteLiteral } from '../../db/client';
import { MASK_SCHEMA } from './core';

/**
 * The length of an IBAN of each country of the ISO 13616 registry (SWIFT's IBAN registry, release
 * 2024), and of the national formats banks of Africa and Iran use in that form that the registry does
 * not list: an IBAN found in text is cut at its country's length, so the words after it (`… 0130 00 for
 * the rent`) are not read as more of it, and a run of words starting with two letters and two digits
 * is an IBAN only when it is exactly as long as its country's and its check digits pass mod 97.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24,
  SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
  // National formats outside the registry.
  AO: 25, BF: 28, BJ: 28, CF: 27, CG: 27, CI: 28, CM: 27, CV: 25, DZ: 26, GA: 27, GQ: 27, GW: 25, IR: 26, KM: 27,
  MA: 28, MG: 27, ML: 28, MZ: 25, NE: 28, SN: 28, TD: 27, TG: 28,
};

/**
 * SQL functions for IBANs written in text in any capitals and grouping (`de89 3704 0044 0532 0130 00`,
 * `DE89-3704-0044-0532-0130-00`, `gb82west12345698765432`, a French RIB's `FR76 30006 00001 …`):
 * - `ibans_in(candidate, zeros)`: the IBANs in a match of the IBAN detector (words of letters and digits
 *   joined by single separators, starting with two letters and two digits), in order: from the start
 *   and from each word that starts so, as many letters and digits as its country's IBAN has
 *   ({@link IBAN_LENGTHS}), ending where a word ends, whose check digits pass mod 97 (`iban_valid`),
 *   or with `zeros`, are 00 (a fake's or a placeholder's: the words after one are not part of it);
 * - `iban_written(v)`: the fake of the IBAN `v` however it is written: the fake of its print form
 *   (capitals, groups of four), laid out as `v` is (its separators where they were, small letters
 *   where it has them), so the same account gets the same fake in every writing, and the print form
 *   its own `iban()`.
 * - `iban_valid(v)`: whether `v`, separators and capitals aside, is as long as its country's IBAN and
 *   its check digits pass ISO 13616's mod 97;
 * - `iban_tokens(candidate)`: what verify compares for a match: its IBANs' letters and digits in capitals.
 * Installed after the fakes (`iban`) and before the detectors, which call them.
 */
export function ibansSql(): string {
  const s = MASK_SCHEMA;
  // ',AD:24,AE:23,...': a country's length is found by strpos, where a VALUES list was scanned row by row.
  const lengths = quoteLiteral(`,${Object.entries(IBAN_LENGTHS).map(([country, length]) => `${country}:${length}`).join(',')},`);
  return `
CREATE FUNCTION ${s}.iban_length(country text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN strpos(${lengths}, ',' || upper(country) || ':') > 0 THEN substr(${lengths}, strpos(${lengths}, ',' || upper(country) || ':') + 4, 2)::int END
$fn$;

-- Whether x, letters and digits only, in capitals, is an IBAN: as long as its country's, check digits
-- that pass ISO 13616's mod 97 (00, a fake's, never does).
CREATE FUNCTION ${s}.iban_checks(x text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE r text; rem int := 0; c int;
BEGIN
  IF length(x) IS DISTINCT FROM ${s}.iban_length(left(x, 2)) OR substr(x, 3, 2) = '00' THEN RETURN false; END IF;
  r := substr(x, 5) || left(x, 4);
  FOR i IN 1..length(r) LOOP
    c := ascii(substr(r, i, 1));
    IF c BETWEEN 48 AND 57 THEN rem := (rem * 10 + c - 48) % 97;
    ELSIF c BETWEEN 65 AND 90 THEN rem := (rem * 100 + c - 55) % 97;
    ELSE RETURN false; END IF;
  END LOOP;
  RETURN rem = 1;
END
$fn$;

-- Whether m, its separators and capitals aside, is an IBAN (iban_checks).
CREATE FUNCTION ${s}.iban_valid(m text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ${s}.iban_checks(upper(regexp_replace(m, '[^A-Za-z0-9]+', '', 'g')))
$fn$;

-- The candidate's words (a match of the IBAN detector holds single separators between them) are walked
-- with array functions, where a pattern per word cost a lookup of each in the regular expression cache.
CREATE FUNCTION ${s}.ibans_in(candidate text, zeros boolean DEFAULT false) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE w text[] := regexp_split_to_array(candidate, '[^A-Za-z0-9]'); n int := cardinality(w); at int[] := '{}';
  found text[] := '{}'; compact text; need int; pos int := 1; i int := 1; j int;
BEGIN
  FOR k IN 1..n LOOP at[k] := pos; pos := pos + length(w[k]) + 1; END LOOP;
  WHILE i <= n LOOP
    need := CASE WHEN length(w[i]) >= 4 AND upper(left(w[i], 2)) <> lower(left(w[i], 2)) AND substr(w[i], 3, 2) ~ '^[0-9]{2}$'
                 THEN ${s}.iban_length(left(w[i], 2)) END;
    IF need IS NOT NULL THEN
      compact := ''; j := i;
      WHILE j <= n AND length(compact) < need LOOP compact := compact || w[j]; j := j + 1; END LOOP;
      IF length(compact) = need AND (${s}.iban_checks(upper(compact)) OR (zeros AND substr(compact, 3, 2) = '00')) THEN
        found := found || substr(candidate, at[i], at[j - 1] + length(w[j - 1]) - at[i]);
        i := j;
        CONTINUE;
      END IF;
    END IF;
    i := i + 1;
  END LOOP;
  RETURN found;
END
$fn$;

-- What verify compares for a match of the IBAN detector: each IBAN in it as its letters and digits in
-- capitals (any writing of an account meets the fingerprint of another), or the match itself when it
-- holds none (no PII, but compared with the fingerprints, as an IBAN-shaped value always was).
CREATE FUNCTION ${s}.iban_tokens(candidate text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE found text[] := ${s}.ibans_in(candidate);
BEGIN
  IF cardinality(found) = 0 THEN RETURN ARRAY[candidate]; END IF;
  RETURN ARRAY(SELECT upper(regexp_replace(i, '[^A-Za-z0-9]+', '', 'g')) FROM unnest(found) AS i);
END
$fn$;

CREATE FUNCTION ${s}.iban_written(v text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE x text := upper(regexp_replace(v, '[^A-Za-z0-9]+', '', 'g')); f text; out text := ''; j int := 1; c int;
BEGIN
  f := regexp_replace(${s}.iban(rtrim(regexp_replace(x, '(.{4})', '\\1 ', 'g'))), '[^A-Za-z0-9]+', '', 'g');
  FOR i IN 1..length(v) LOOP
    c := ascii(substr(v, i, 1));
    IF c BETWEEN 48 AND 57 OR c BETWEEN 65 AND 90 THEN out := out || substr(f, j, 1); j := j + 1;
    ELSIF c BETWEEN 97 AND 122 THEN out := out || lower(substr(f, j, 1)); j := j + 1;
    ELSE out := out || substr(v, i, 1); END IF;
  END LOOP;
  RETURN out;
END
$fn$;
`;
}
