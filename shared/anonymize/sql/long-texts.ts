import { quoteLiteral } from '../../db/client';
import { credentialsReplacedSql } from '../credentials';
import { MASK_SCHEMA } from './core';
import { DETECTORS, ESCAPED, textHitsPatternSql } from './detectors';
import { MAIL_CUE, OBFUSCATED_EMAIL } from './obfuscated-emails';

/** The length, in characters, a piece of a long text grows to before it is cut at the next place where a cut is safe. */
export const TEXT_PIECE_CHARS = 4_096;

/**
 * How far on each side of a cut a token crossing it is looked for, in characters: longer than any
 * token that holds a space or a line break (a phone number, an IBAN, an obfuscated email, a street).
 */
const CUT_WINDOW = 256;

/** The detectors whose tokens may hold a line break (and a space): an obfuscated email (`ann [at]⏎example.com`). */
const ACROSS_LINES: readonly string[] = [OBFUSCATED_EMAIL];

/** The detectors whose tokens may hold a space but no line break: numbers and IBANs in groups. */
const ACROSS_SPACES: readonly string[] = [DETECTORS.digits, DETECTORS.iban, ESCAPED.phone];

const patterns = (list: readonly string[]): string => `ARRAY[${list.map(quoteLiteral).join(', ')}]::text[]`;

/**
 * `scrub_long_text(t, maxlen, nested)`: what `scrub_text` gives a text over `LONG_TEXT_BYTES`, in time
 * that grows with its length. Whole, each token found would be replaced in the whole text, so its time
 * would grow with its length times its tokens. The text is scrubbed in pieces of about
 * {@link TEXT_PIECE_CHARS} characters, each as a text of its own, cut only where no token of any
 * detector goes on across the cut, so each piece gets what it got whole:
 * - right after a double quote (JSON, CSV, HTML attributes): no detector's token holds one (a known
 *   value holding one is then not replaced there; verify reads the whole text);
 * - else right after a line break, unless an obfuscated email or a known value the text quotes (`Ann`
 *   and `Smith` on two lines) is found across it within {@link CUT_WINDOW} characters;
 * - else right after a space in a line longer than a piece, unless such a token, a number or an IBAN
 *   in groups is found across it.
 * Nothing before a quote, a line break or a space glues to a token, so a piece's first token reads as
 * it did. What else reads the whole text is done on it whole: credentials are replaced first (a URL's
 * password may hold a quote); the known values it quotes are looked up by the whole text's key, as
 * `scrub_text` would, and handed to each piece; a piece learns whether the text speaks of mail outside
 * it (see `email_unobfuscated`). A text with no such cut for long (one word of a megabyte) keeps its
 * pieces long.
 */
export function longTextsSql(): string {
  const s = MASK_SCHEMA;
  const before = `right(array_to_string(pieces[greatest(1, np - ${CUT_WINDOW}):np], ''), ${CUT_WINDOW})`;
  return `
CREATE FUNCTION ${s}.scrub_long_text(t text, maxlen int, nested boolean) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE r text := t; segments text[]; lines text[]; words text[]; seg text; line text; word text;
  pieces text[] := '{}'; np int := 0; size int := 0; cut text[] := '{}'; nc int := 0; cued boolean[] := '{}'; ncued int := 0;
  names text := coalesce(current_setting('rehearsal.known_values', true), 'off');
  hits text := ''; reading text; key text; keys text; id uuid;
BEGIN
  -- The known values the whole text quotes, as scrub_text would look them up for it whole ('' for none).
  IF names = 'hits' THEN
    hits := coalesce(current_setting('rehearsal.value_hits', true), '');
  ELSIF names = 'lookup' THEN
    reading := ${s}.scrub_read(t, true);
    ${textHitsPatternSql('reading', 'reading', 'hits')}
    hits := coalesce(hits, '');
  END IF;
  ${credentialsReplacedSql('r')}
  -- Quotes, then line breaks in what is longer than a piece, then spaces in a line that is: each
  -- piece a run of these parts, each part with the quote, line break or space it ends with.
  segments := string_to_array(r, '"');
  FOR i IN 1 .. cardinality(segments) LOOP
    seg := segments[i] || CASE WHEN i < cardinality(segments) THEN '"' ELSE '' END;
    lines := CASE WHEN length(seg) > ${TEXT_PIECE_CHARS} THEN string_to_array(seg, E'\\n') ELSE ARRAY[seg] END;
    FOR j IN 1 .. cardinality(lines) LOOP
      line := lines[j] || CASE WHEN j < cardinality(lines) THEN E'\\n' ELSE '' END;
      words := CASE WHEN length(line) > ${TEXT_PIECE_CHARS} THEN string_to_array(line, ' ') ELSE ARRAY[line] END;
      FOR k IN 1 .. cardinality(words) LOOP
        word := words[k] || CASE WHEN k < cardinality(words) THEN ' ' ELSE '' END;
        np := np + 1; pieces[np] := word; size := size + length(word);
        CONTINUE WHEN size < ${TEXT_PIECE_CHARS};
        IF k < cardinality(words) THEN
          CONTINUE WHEN ${s}.token_crosses(${before}, left(array_to_string(words[k + 1:k + ${CUT_WINDOW}], ' '), ${CUT_WINDOW}), hits, true);
        ELSIF j < cardinality(lines) THEN
          CONTINUE WHEN ${s}.token_crosses(${before}, left(lines[j + 1], ${CUT_WINDOW}), hits, false);
        END IF;
        nc := nc + 1; cut[nc] := array_to_string(pieces[1:np], ''); np := 0; size := 0;
      END LOOP;
    END LOOP;
  END LOOP;
  IF np > 0 THEN nc := nc + 1; cut[nc] := array_to_string(pieces[1:np], ''); END IF;
  FOR i IN 1 .. nc LOOP
    cued[i] := lower(cut[i]) ~ ${quoteLiteral(MAIL_CUE)};
    IF cued[i] THEN ncued := ncued + 1; END IF;
  END LOOP;
  FOR i IN 1 .. nc LOOP
    cut[i] := ${s}.scrub_text(cut[i], NULL, nested, hits, ncued > CASE WHEN cued[i] THEN 1 ELSE 0 END);
  END LOOP;
  r := array_to_string(cut[1:nc], '');
  RETURN ${s}.fit(CASE WHEN r = t THEN t ELSE r END, maxlen);
END
$fn$;

-- Whether a token goes on across a cut between before and after (scrub_long_text): a match of a
-- detector that may hold a line break, of the known values hits, and with spaced (a cut after a
-- space) of a detector that may hold a space, found in the text around the cut (read as scrub_text
-- reads it) with characters on both sides of it; or whether either side is all whitespace (what lies
-- beyond is unknown).
CREATE FUNCTION ${s}.token_crosses(before text, after text, hits text, spaced boolean) RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE b text := ${s}.scrub_read(before, true); w text := b || ${s}.scrub_read(after, true); edge int := length(b);
  p text; rest text; m text[]; tok text; at int; done int;
BEGIN
  IF before !~ '\\S' OR after !~ '\\S' THEN RETURN true; END IF;
  FOREACH p IN ARRAY ${patterns(ACROSS_LINES)} || CASE WHEN hits <> '' THEN ARRAY[hits] ELSE '{}' END || CASE WHEN spaced THEN ${patterns(ACROSS_SPACES)} ELSE '{}' END LOOP
    rest := w; done := 0;
    LOOP
      m := regexp_match(rest, p);
      EXIT WHEN m IS NULL;
      tok := m[1]; at := done + strpos(rest, tok);
      IF at <= edge AND at + length(tok) - 1 > edge THEN RETURN true; END IF;
      rest := substr(rest, at - done + length(tok)); done := at + length(tok) - 1;
    END LOOP;
  END LOOP;
  RETURN false;
END
$fn$;
`;
}
