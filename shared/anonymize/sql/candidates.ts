import { quoteLiteral } from '../../db/client';
import { fingerprintSql, MASK_SCHEMA, zipCodeOfSql } from './core';
import { DETECTORS, LETTERS, NAME_START, nameRunsSql, phrasesOfRunSql, singleSpacedSql, UNSPACED_LETTERS } from './detectors';
import { CAMEL_BREAK, CAMEL_WORDS } from './letters';

/**
 * Where free text may quote a value a rule masks elsewhere (a name, street, city, postcode or username):
 * the candidates `scrubText` looks up, and verify searches. SQL builders only (no queries run here), so
 * both the mask schema's functions and the statements that prepare a run can use them.
 */

const s = MASK_SCHEMA;
/** Shorter originals are not looked for: `Li` or `NY` would be found inside ordinary text everywhere. */
export const MIN_KNOWN_LENGTH = 3;
/** The shortest name written without spaces looked for: two letters there (`李娜`) say as much as a long Latin name. */
export const MIN_UNSPACED_NAME = 2;
/** The longest name written without spaces looked for, in letters (a Japanese full name of kanji and kana: `長谷川さくら`). */
export const MAX_UNSPACED_NAME = 8;

/**
 * SQL telling whether the candidate `tok` is long enough to be looked up: {@link MIN_KNOWN_LENGTH}
 * characters, or {@link MIN_UNSPACED_NAME} letters of a script written without spaces.
 */
export const knownLengthSql = (tok: string): string =>
  `(length(${tok}) >= ${MIN_KNOWN_LENGTH} OR ${tok} ~ ${quoteLiteral(`^[${UNSPACED_LETTERS}]{${MIN_UNSPACED_NAME}}$`)})`;

/**
 * SQL telling whether the text `value` may hold a letter of a script written without spaces: it holds
 * a character beyond ASCII (two length counts, which spare ASCII text a regular expression).
 */
const beyondAsciiSql = (value: string): string => `octet_length(${value}) > length(${value})`;

/**
 * SQL giving, once a statement (an uncorrelated subquery), what {@link unspacedRunsSql} needs of the
 * relation `letters` (the letters names start with as `c`, each with a length of such a name as `l`):
 * a jsonb object holding, as `p`, a pattern matching the empty string before each of those letters,
 * and as `l`, each letter's lengths. In clear only while the statement runs.
 */
const unspacedStartsSql = (letters: string): string =>
  `(SELECT jsonb_build_object('p', '(?=[' || string_agg(x.c, '') || '])', 'l', jsonb_object_agg(x.c, x.ls))
      FROM (SELECT c, jsonb_agg(DISTINCT l) AS ls FROM ${letters} AS sl GROUP BY c) AS x)`;

/**
 * A query over `from` (a FROM list) giving `columns` and, as `tok`, the runs of letters in a row of a
 * script written without spaces ({@link UNSPACED_LETTERS}) in the text `value` (an SQL expression over
 * `from`) that could be a name glued to the words around it (`我叫王小明`): at each letter a name
 * starts with, as many letters as such a name has (`letters`: a relation of those letters as `c`, with
 * each length as `l`). A run is split before each such letter by one regular expression, so the
 * letters of a text cost no lookup each: a join of each letter with the starts cost 8 times as much
 * as finding the runs, where the planner chose well, and 300 times where it did not (200k texts of
 * 36 Chinese letters). Text of ASCII only is passed over at the cost of two length counts.
 */
export function unspacedRunsSql(from: string, value: string, columns: string, letters: string): string {
  const starts = unspacedStartsSql(letters);
  const rest = "array_to_string(sp.a[n:], '')";
  return `SELECT ${columns === '' ? '' : `${columns}, `}left(${rest}, st.l::int) AS tok
    FROM ${from}, (SELECT ${starts} AS j OFFSET 0) AS sj, regexp_matches(${value}, ${quoteLiteral(`[${UNSPACED_LETTERS}]{${MIN_UNSPACED_NAME},}`)}, 'g') AS r(m),
         regexp_split_to_array(r.m[1], sj.j ->> 'p') AS sp(a), generate_subscripts(sp.a, 1) AS n,
         jsonb_array_elements_text(sj.j -> 'l' -> left(sp.a[n], 1)) AS st(l)
   WHERE ${beyondAsciiSql(value)} AND length(${rest}) >= st.l::int`;
}

/**
 * A unit's hits (known-value-hits.ts): the known values its free text quotes, in clear: values from the
 * very rows being masked, so created and dropped inside the unit's transaction (never committed). A
 * plain table, not a temporary one: `scrub_text` reads it, and a staged rewrite runs `scrub_text` on
 * parallel workers, which cannot read temporary tables.
 */
export const HITS_TABLE = `${s}.value_hits`;
/**
 * When texts get patterns of their own (known-value-hits.ts): for each text `scrub_text` will get that
 * quotes some of the unit's hits, keyed by the text's md5 (`h`, a uuid), the pattern of those. Values
 * in clear like {@link HITS_TABLE}, so created and dropped in the unit's transaction too.
 */
export const TEXT_HITS_TABLE = `${s}.text_hits`;

/** Punctuation trimmed from the ends of a phrase before it is looked up (`12 Long Street,`). */
const EDGE_PUNCTUATION = `.,;:!?()"'[]{}<>`;
/**
 * A run of words that each start with a capital or a digit, from a word's start: where streets, cities
 * and postcodes are quoted. A double quote ends a word, as a space does: JSON written compactly as text
 * (`{"line1":"9 Foxrock Park","city":"Dublin"}`) has none between its strings.
 */
const SIGNIFICANT_RUN = `(?:^|[^${LETTERS.alnum}_])((?:[${LETTERS.upper}[:digit:]][^[:space:]"]*)(?:[[:space:]]+[${LETTERS.upper}[:digit:]][^[:space:]"]*)*)`;
/** A word holding a digit or an underscore: where usernames are quoted (`anna_ws42`); a double quote ends it too. */
const MARKED_WORD = '([^[:space:]"]*[_[:digit:]][^[:space:]"]*)';
/** Phrases longer than this are never looked up (no street needs more words). */
export const MAX_PHRASE_WORDS = 6;

/** Which phrases free text must be searched for: none when no street, city, postcode or username was masked. */
export interface PhraseSearch {
  /** Words of the longest known street, city or postcode (0: none known; at most {@link MAX_PHRASE_WORDS}). */
  readonly words: number;
  /** Whether usernames are known: only then are single words holding a digit or underscore looked up. */
  readonly usernames: boolean;
  /** Whether verify looks for names written without spaces ({@link unspacedRunsSql}): only when some original is one. */
  readonly unspaced?: boolean;
  /**
   * Whether originals' streets, cities and postcodes are recorded by their head words ({@link PLACE_HEADS_TABLE}),
   * so that text is searched for them in any capitals ({@link keyedPlacePhrasesSql}).
   */
  readonly places?: boolean;
}

/** Whether a phrase search has anything to look for. */
export const searchesPhrases = (search: PhraseSearch): boolean => search.words > 0 || search.usernames;

/**
 * A query over `from` (a FROM list) giving `columns` and, as `tok`, each phrase of the text `value` (an
 * SQL expression over `from`) that could be a known street, city, postcode or username (call it only when
 * {@link searchesPhrases}): 1 to `search.words` consecutive words of a run of words starting with a capital or digit (`12 Harbour Lane`, `YO21 3PU`),
 * or one word holding a digit or underscore (`anna_ws42`); edge punctuation trimmed; at least one letter,
 * no `@` (emails and phone numbers are the detectors' work). A plain lowercase word is not looked up (a
 * username like `annaws` reads as an ordinary word), which keeps the search to a few phrases per text.
 * A run starts at a word's start (`iPhone` holds no run `Phone`). A run of one word is its own only
 * phrase; only a run of several is split ({@link phrasesOfRunSql}): set-returning functions in the FROM
 * list for every run cost 1.8x as much on text with few runs of several words, 2.9x on text with many
 * (measured on 200k and 100k texts). `wordsSql`, when given, is an SQL expression for the number of
 * words, read when the query runs. Needs the mask schema.
 */
export function phrasesSql(from: string, value: string, columns: string, search: PhraseSearch, wordsSql?: string): string {
  const edge = quoteLiteral(EDGE_PUNCTUATION);
  const branches = [
    search.words > 0 ? `SELECT ${columns}, btrim(p.phrase, ${edge}) AS tok
        FROM ${from}, regexp_matches(${value}, ${quoteLiteral(SIGNIFICANT_RUN)}, 'g') AS m,
             unnest(CASE WHEN m[1] !~ '[[:space:]]' THEN ARRAY[m[1]] ELSE ${phrasesOfRunSql('m[1]', wordsSql ?? search.words)} END) AS p(phrase)
       WHERE length(m[1]) >= ${MIN_KNOWN_LENGTH} AND m[1] ~ ${quoteLiteral(`[${LETTERS.alpha}]`)}` : undefined,
    search.usernames ? `SELECT ${columns}, btrim(x[1], ${edge}) AS tok FROM ${from}, regexp_matches(${value}, ${quoteLiteral(MARKED_WORD)}, 'g') AS x` : undefined,
  ].filter((branch) => branch !== undefined);
  return `SELECT * FROM (${branches.join(' UNION ALL ')}) AS phrases WHERE length(tok) >= ${MIN_KNOWN_LENGTH} AND tok ~ ${quoteLiteral(`[${LETTERS.alpha}]`)} AND strpos(tok, '@') = 0`;
}

/**
 * A query over `from` (a FROM list) giving, as `tok`, every candidate for a known value in the text
 * `value` (an SQL expression over `from`): each run of capitalised words, its shorter runs and its
 * words (`O'Connor`, and `O` and `Connor`), and the phrases `search` calls for ({@link phrasesSql}; `wordsSql` as there). What `scrubText`
 * may look up is among them. With `withText`, each candidate comes with its text, as column `v` first.
 */
export function candidateTokensSql(from: string, value: string, search: PhraseSearch, wordsSql?: string, withText = false): string {
  const text = withText ? `${value} AS v, ` : '';
  // Each run single-spaced once (an unnested array: a function scan, computed once a run).
  const names = `SELECT ${text}w.tok FROM ${from}, regexp_matches(${value}, ${quoteLiteral(DETECTORS.name)}, 'g') AS m, unnest(ARRAY[${singleSpacedSql('m[1]')}]) AS nr(r),
      unnest(CASE WHEN strpos(nr.r, ' ') > 0 THEN ${nameRunsSql('nr.r')} || regexp_split_to_array(nr.r, ' ') || regexp_split_to_array(nr.r, '[ ''-]') ELSE ARRAY[nr.r] END) AS w(tok)
     WHERE ${value} ~ ${quoteLiteral(NAME_START)}`;
  if (!searchesPhrases(search)) return names;
  const phrases = phrasesSql(from, value, withText ? `${value} AS v` : 'true AS phrase', search, wordsSql);
  return `${names} UNION ALL SELECT ${withText ? 'v, ' : ''}tok FROM (${phrases}) AS p`;
}

/**
 * Where the texts quoting a full name in other capitals than its column's, or a name written without
 * spaces, are recorded by keyed fingerprint (see known-values.ts, unspaced-names.ts).
 */
export const RECASED_TEXTS_TABLE = `${s}.recased_texts`;

/**
 * Spaces beyond ASCII that text puts between a name's words: the no-break space (`&nbsp;` pasted from
 * a web page or a word processor), the narrow and figure no-break spaces, the ideographic space. As
 * JavaScript escapes, for {@link unicodeTextSql} (SPACE_RUN, in detectors.ts, reads them in a pattern).
 */
const UNICODE_SPACES = '\\u00A0\\u202F\\u2007\\u3000';

/**
 * SQL giving the text `text` (a column: it is read three times), in small letters with `lowered`, with
 * the spaces of {@link UNICODE_SPACES} as ASCII ones in a UTF-8 database. Text of ASCII only (most)
 * costs a comparison of lengths, where a `translate` of every text cost the word split two fifths more
 * (measured on 200k texts).
 */
function asciiSpacedSql(text: string, lowered: boolean): string {
  const cased = lowered ? `lower(${text})` : text;
  return `CASE WHEN octet_length(${text}) = length(${text}) THEN ${cased} ELSE translate(${cased}, ${unicodeTextSql(UNICODE_SPACES, '')}, '    ') END`;
}

/**
 * SQL giving the words of the text `text` (a column, see {@link asciiSpacedSql}) as a `text[]`, split at
 * spaces, tabs, line breaks and the spaces beyond ASCII of {@link UNICODE_SPACES}: two `replace` calls
 * cost next to nothing, where a `translate` of brackets and quotes too cost half as much again as the
 * whole search (measured on 300k texts).
 */
const wordsSql = (text: string): string => `string_to_array(replace(replace(${asciiSpacedSql(text, false)}, E'\\n', ' '), E'\\t', ' '), ' ')`;

/**
 * {@link wordsSql} with a bracket or quote opening a word split from it too (`(marguerite`, `[marguerite`,
 * `"marguerite`, and in a UTF-8 database `“marguerite` and `‘marguerite`), and a single quote where it
 * starts a word (`'marguerite`, not `o'brien`): the text is read with a space before it, so that one at
 * its start does too. Plain `replace` calls: eight of them cost the split a sixth more than the two
 * of {@link wordsSql} (measured on 200k texts), where trimming every word cost a quarter more. Empty
 * words (of two spaces in a row) are left out, so that words are taken in a row however many spaces
 * lie between them. With `lowered`, the words are in small letters.
 */
const openedWordsSql = (text: string, lowered = false): string => {
  const spaced = `replace(replace(' ' || ${asciiSpacedSql(text, lowered)}, E'\\n', ' '), E'\\t', ' ')`;
  const opened = `replace(replace(replace(replace(${spaced}, ' ''', '  '), '(', ' '), '[', ' '), '"', ' ')`;
  // In a database of another encoding, both are a double quote, which is replaced already.
  return `array_remove(string_to_array(replace(replace(${opened}, ${unicodeTextSql('\\u201C', '"')}, ' '), ${unicodeTextSql('\\u2018', '"')}, ' '), ' '), '')`;
};

/** What a phrase's first word is trimmed of: an opening bracket or quote. */
const OPENING = `([{<"'`;

/**
 * Punctuation beyond ASCII that ends a word as a comma or full stop does, in scripts whose names verify
 * and the word search read: Arabic's comma and question mark (`محمد الأحمد،`), the Devanagari danda, the
 * ideographic and fullwidth stops and commas, closing quotes and brackets, an ellipsis.
 */
const UNICODE_CLOSING = '\u060C\u061B\u061F\u06D4\u0964\u0965\u05C3\u0589\u3001\u3002\uFF0C\uFF0E\uFF01\uFF1F\uFF1A\uFF1B\uFF09\u300D\u300F\u3011\u2026\u2019\u201D\u00BB\u203A';
/** Opening quotes and brackets beyond ASCII (`«`, `“`, `„`, `¿`, `「`). */
const UNICODE_OPENING = '\u00AB\u2018\u201C\u201E\u2039\u00BF\u00A1\u300C\u300E\u3010\uFF08';

/**
 * SQL giving, in a UTF-8 database, the characters `unicode` (JavaScript escapes), and in another
 * `otherwise` (an ASCII text): an uncorrelated subquery, so computed once a statement. The SQL stays
 * ASCII (a database in another encoding refuses characters it cannot hold, even in a literal), and the
 * characters are made only where they can exist: `convert_from` is not folded when planned, as `chr`
 * would be.
 */
function unicodeTextSql(unicode: string, otherwise: string): string {
  const hex = Buffer.from(JSON.parse(`"${unicode}"`) as string, 'utf8').toString('hex');
  // convert_from's text has collation "C", which would pass to the phrases made with it: lower() there
  // leaves letters beyond ASCII as they are, and a fingerprint of `Élodie dupont` no original's.
  return `(SELECT CASE WHEN current_setting('server_encoding') = 'UTF8' THEN convert_from(decode('${hex}', 'hex'), 'UTF8') COLLATE "default" ELSE ${quoteLiteral(otherwise)} END)`;
}

/** SQL giving the characters `ascii` and, in a UTF-8 database, `unicode` too ({@link unicodeTextSql}), for `ltrim` and `rtrim`. */
const trimSetSql = (ascii: string, unicode: string): string => `(${quoteLiteral(ascii)} || ${unicodeTextSql(unicode, '')})`;

/**
 * The two and three words in a row `w1`, `w2`, `w3` (SQL, as written), the first without an opening
 * bracket or quote, the last without trailing punctuation: a FROM item giving `tok`.
 */
function phrasesOfSql(w1: string, w2: string, w3: string): string {
  const first = `ltrim(${w1}, ${trimSetSql(OPENING, UNICODE_OPENING)})`;
  const last = (w: string): string => `rtrim(${w}, ${trimSetSql(EDGE_PUNCTUATION, UNICODE_CLOSING)})`;
  return `unnest(ARRAY[${first} || ' ' || ${last(w2)}, ${first} || ' ' || ${w2} || ' ' || ${last(w3)}]) AS x(tok)`;
}

/** {@link phrasesOfSql} of the array of words `words` from its `i`th (SQL). */
const phrasesAtSql = (words: string, i: string): string => phrasesOfSql(`${words}[${i}]`, `${words}[${i} + 1]`, `${words}[${i} + 2]`);

/**
 * A query over `from` (a FROM list) giving `columns` and, as `tok`, every two and three words in a
 * row of the text `value` (an SQL expression over `from`) as written there ({@link phrasesOfSql}):
 * where a full name typed in small letters, or in capitals unlike its column's (`Marguerite okonkwo`),
 * may be, which the name detector does not read. Every word of the text is read, and every two and
 * three of them are given: about 1.7 microseconds a phrase with a keyed hash of it. Each word is read
 * with the two after it in one pass, by set-returning functions in step in a select list (by
 * subscript, PostgreSQL walks the array from its start for each word: one text of 120,000 words took
 * 105 s, against 0.3 s; as a FROM item, each function's rows are stored first: short texts took up to
 * half as long again). Words are taken in a row however many spaces or line breaks lie between them
 * (`Marguerite  Okonkwo` gives `Marguerite Okonkwo`).
 */
export function wordPhrasesSql(from: string, value: string, columns: string): string {
  return `SELECT ${columns === '' ? '' : `${columns}, `}x.tok
    FROM ${from}, array_remove(${wordsSql(value)}, '') AS wp(a),
         LATERAL (SELECT unnest(wp.a) AS w1, unnest(wp.a[2:]) AS w2, unnest(wp.a[3:]) AS w3) AS z, ${phrasesOfSql('z.w1', 'z.w2', 'z.w3')}
   WHERE z.w2 IS NOT NULL AND length(x.tok) >= ${MIN_KNOWN_LENGTH}`;
}

/** The characters a word is trimmed of at its end, before it is compared as a name's first word or a place's head: {@link EDGE_PUNCTUATION} and {@link UNICODE_CLOSING}. */
const CLOSING_SET = trimSetSql(EDGE_PUNCTUATION, UNICODE_CLOSING);

/**
 * {@link wordPhrasesSql} of the texts `texts` (a relation with the text as column `v`), giving each
 * text's keyed fingerprint (`fp`) and `tok`, only for the phrases whose first word, in small letters
 * and as split, without the punctuation ending it, is in `starts` (a relation with the words as column
 * `w`): each word costs one hash probe, and only a text with a match is split again as written and
 * fingerprinted, once for all its matches (split again for each match, and its rows compared whole, a
 * long text quoting a name often cost its length times its quotes). Texts are split before an opening
 * bracket or quote too ({@link openedWordsSql}):
 * `(marguerite okonkwo)`, `[marguerite okonkwo]` and `'marguerite okonkwo'` are found. With `heads` (a
 * relation as {@link placeHeadsSql} gives), each word that is a place's head word is probed in the same
 * hash, and gives the phrase that place would be there ({@link placePhraseAtSql}: `12 harbour lane`
 * around `harbour`), one a head, not every phrase of up to six words. The words around a match are
 * read by subscript in a text of up to {@link WINDOWED_WORDS} words, from windows made in one pass in a
 * longer one ({@link matchWindowsSql}).
 */
export function phrasesStartingSql(texts: string, starts: string, heads?: string): string {
  const words = `SELECT rtrim(w, ${CLOSING_SET}) AS w FROM ${starts} AS sw${heads === undefined ? '' : ` UNION ALL SELECT w FROM ${heads} AS hw`}`;
  // A word as compared: without the punctuation ending it, a ZIP+4 code as its ZIP code (headWordSql).
  const head = headWordSql(`rtrim(lw.w, ${CLOSING_SET})`, 'lw.w');
  // Each text with a match once: its keyed fingerprint, its words as written (a), where the matches stand (i) and what they are (w).
  // IS TRUE keeps the probe a hashed subplan, built once: as a join inside the lateral, the planner
  // read every name's first word again for each text.
  // A text holding a line break is kept as lines when a matched word is a number (a postcode's head,
  // which may start a line: postcodeCueSql); NULL for the rest.
  const lines = `CASE WHEN strpos(src.v, E'\\n') > 0 AND array_to_string(mm.w, ' ') ~ '(^| )[0-9]' THEN src.v END`;
  const matched = `SELECT ${fingerprintSql('src.v')} AS fp, wa.a, mm.i, mm.w, ${lines} AS lines FROM ${texts} AS src,
      LATERAL (SELECT array_agg(lw.i::int) AS i, array_agg(${head}) AS w FROM unnest(${openedWordsSql('src.v', true)}) WITH ORDINALITY AS lw(w, i)
                WHERE (${head} IN (${words})) IS TRUE) AS mm,
      LATERAL (SELECT ${openedWordsSql('src.v')} AS a OFFSET 0) AS wa
     WHERE mm.i IS NOT NULL`;
  // A text of a few words read by subscript; a longer one by its matches' windows (tw, matchWindowsSql).
  const subscripted = `cardinality(t.a) <= ${WINDOWED_WORDS}`;
  const names = `SELECT t.fp, x.tok FROM t, unnest(t.i) AS mi(i), ${phrasesAtSql('t.a', 'mi.i')}
   WHERE ${subscripted} AND t.a[mi.i + 1] IS NOT NULL AND length(x.tok) >= ${MIN_KNOWN_LENGTH}
    UNION ALL
    SELECT tw.fp, x.tok FROM tw, ${phrasesAtSql('tw.win', String(WINDOW_AT))}
   WHERE tw.win[${WINDOW_AT + 1}] IS NOT NULL AND length(x.tok) >= ${MIN_KNOWN_LENGTH}`;
  const ctes = `WITH t AS MATERIALIZED (${matched}), tw AS (${matchWindowsSql('t')})`;
  if (heads === undefined) return `${ctes} ${names}`;
  const place = placePhraseAtSql('t.a', 'mi.i', 'h', 't.lines');
  const windowed = placePhraseAtSql('tw.win', String(WINDOW_AT), 'h', 'tw.lines');
  return `${ctes}
    ${names}
    UNION ALL
    SELECT t.fp, ${place.tok} FROM t, unnest(t.i, t.w) AS mi(i, w) JOIN ${heads} AS h ON h.w = mi.w WHERE ${subscripted} AND ${place.where}
    UNION ALL
    SELECT tw.fp, ${windowed.tok} FROM tw JOIN ${heads} AS h ON h.w = tw.w WHERE tw.win[${WINDOW_AT} - h.o] IS NOT NULL AND ${windowed.where}`;
}

/**
 * Above this many words, a matched text's phrases are read from windows of its words made in one pass
 * ({@link matchWindowsSql}), not by subscript: PostgreSQL walks a `text[]` from its start for each
 * subscript, so reading a long text's matches so cost its length times its matches.
 */
const WINDOWED_WORDS = 512;
/** Words a place's head word may have before it in the place (a head is one of its first three words, see {@link placeHeadsSql}). */
const HEAD_OFFSET = 2;
/** Words before a postcode of digits that may say it is one (`zip code is 94107`, see {@link postcodeCueSql}). */
const CUE_WORDS = 3;
/** Words a match's window holds before it ({@link matchWindowsSql}): a place's words before its head, or a postcode's cue. */
const WORDS_BEFORE = Math.max(HEAD_OFFSET, CUE_WORDS);
/** Where a match stands in its window ({@link matchWindowsSql}). */
const WINDOW_AT = WORDS_BEFORE + 1;

/**
 * Each match of the texts of `t` (as {@link phrasesStartingSql} makes them: `fp`, words `a`, matches'
 * positions `i` and words `w`, `lines`) of more than {@link WINDOWED_WORDS} words, as `fp`, `w`, `lines`
 * and `win`: the words around it as written, {@link WORDS_BEFORE} before it, itself at {@link WINDOW_AT}, and as many
 * after as the longest place has words after its first (NULL beyond the text). Made by lag and lead in
 * one pass over the words, joined to the matches by position.
 */
function matchWindowsSql(t: string): string {
  const before = Array.from({ length: WORDS_BEFORE }, (_, k) => `lag(aw.a, ${WORDS_BEFORE - k}) OVER o AS b${WORDS_BEFORE - k}`);
  const after = Array.from({ length: MAX_PHRASE_WORDS - 1 }, (_, k) => `lead(aw.a, ${k + 1}) OVER o AS f${k + 1}`);
  const window = [...before.map((_, k) => `z.b${WORDS_BEFORE - k}`), 'z.a', ...after.map((_, k) => `z.f${k + 1}`)];
  return `SELECT ${t}.fp, mi.w, ${t}.lines, ARRAY[${window.join(', ')}] AS win FROM ${t},
      LATERAL (SELECT aw.i, aw.a, ${[...before, ...after].join(', ')} FROM unnest(${t}.a) WITH ORDINALITY AS aw(a, i) WINDOW o AS (ORDER BY aw.i)) AS z
      JOIN unnest(${t}.i, ${t}.w) AS mi(i, w) ON mi.i = z.i
     WHERE cardinality(${t}.a) > ${WINDOWED_WORDS}`;
}

/**
 * Where the originals' streets, cities and postcodes are recorded by their head words, keyed
 * (known-values.ts, {@link placeHeadsSql}): the keyed fingerprint of each head word in small letters
 * (`fp`), with where it stands among its value's words (`o`, from 0), how many words the value has (`n`),
 * and whether the value is a single word of letters only or a postcode of digits, looked for after a
 * cue only (`cued`: {@link PLACE_CUES}, {@link postcodeCueSql}).
 */
export const PLACE_HEADS_TABLE = `${s}.place_heads`;

/**
 * Words that say a place follows, before a single word of letters that is an original city, street or
 * postcode (`i live in kirkwall`, `moving to hope`): prepositions of place in English, Spanish,
 * Portuguese, French, German, Italian and Dutch, ASCII only. Not those as often before any noun
 * (`a`, `de`, `da`, `no`, `na`): a city named `Hope`, `Nice` or `Mobile` would be read in `no hope`,
 * `a nice day`, `de mobile`. Such a word is capitalised as a place (`Hope`) or read after a cue only.
 */
export const PLACE_CUES = ['in', 'into', 'to', 'from', 'near', 'at', 'around', 'outside', 'towards', 'toward', 'via', 'en', 'desde', 'hacia',
  'para', 'em', 'nach', 'aus', 'bei', 'von', 'zu', 'naar', 'uit', 'bij', 'te', 'vers', 'au', 'depuis', 'nel', 'nella'] as const;

/** SQL telling whether the word `word` (as written) is a {@link PLACE_CUES} word. */
const placeCueSql = (word: string): string => `lower(${word}) IN (${PLACE_CUES.map(quoteLiteral).join(', ')})`;

/**
 * A postcode of digits only (`94107`, `10115`, `1234-567`), read as a head word after a
 * {@link POSTCODE_CUE} only: text is full of numbers, and where codes fill their space (two fifths of
 * all five-digit numbers are US ZIP codes) most of them would be some customer's postcode.
 */
export const DIGIT_POSTCODE = '^[0-9]{3,}(-[0-9]{2,})?$';

/**
 * SQL giving the head word free text is searched at for the word `word` (SQL, trimmed): a ZIP+4 code's
 * ZIP code (`94107` of `94107-1234`), so that a ZIP quoted with its four digits, or one recorded with
 * them and quoted without, is found; any other word as it is. `raw` (SQL) is the word as split, whose
 * first character is tested first: most words start with no digit, and `word` is read once for them.
 */
export const headWordSql = (word: string, raw = word): string => `coalesce(${zipCodeOfSql(word, raw)}, ${word})`;

/**
 * The words (in small letters, up to {@link CUE_WORDS}, ending just before it) that say a postcode of
 * digits follows: the name of a postcode in English, German, French, Spanish, Portuguese, Italian, the
 * Nordic languages and India (`zip`, `zip code`, `postal code`, `plz`, `code postal`, `código postal`,
 * `cep`, `cap`, `postnummer`, `pin code`), with a colon or `#` after it, and a verb or sign between it
 * and the code (`my zip code is 94107`, `PLZ: 10115`). Not `code` or `pin` alone: `error code 40401`,
 * `pin 1234`. Letters beyond ASCII as escapes (`\u00e9`): a query in a database of another encoding
 * may not hold them as characters.
 */
const POSTCODE_CUE = String.raw`(^| )(zip|zipcode|zip-code|zip code|postcode|post-code|post code|postal|postal code|plz|postleitzahl|cep|cp|c\.p\.?|cap|postnummer|postnr\.?|pincode|pin code)[:#]?( (is|was|ist|est|es|\u00e9|\u00e4r|er|:|=|-|#|no\.?|nr\.?))?$`;

/**
 * Two-letter codes of US states, territories and Canada's provinces as an address writes them before
 * a ZIP code, in capitals (`San Francisco, CA 94107`): after one, a number is read as a postcode.
 */
const STATE_CODES = ['AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
  'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX',
  'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'PR', 'GU', 'VI', 'AS', 'MP'] as const;

/**
 * SQL telling whether the word at `i` (SQL) of the words `words` (an array, as written; NULL beyond the
 * text) is where a postcode of digits is quoted: after a {@link POSTCODE_CUE} (`zip code is 94107`), after
 * a state's code in capitals (`CA 94107`), before a capitalised word where an address line puts it,
 * after a comma, at the text's start or at a line's (`Musterstraße 5, 10115 Berlin`, `75001 Paris`,
 * `Musterstraße 5⏎10115 Berlin`), or as the whole text (a chat's answer to `what is your zip code?`).
 * `lines` (SQL) is the text itself when it may hold such a line, else NULL: the words are split at line
 * breaks as at spaces, so a line's start is read in the text (the word after a line break and maybe
 * spaces or tabs: that number starts a line somewhere in the text).
 */
function postcodeCueSql(words: string, i: string, lines: string): string {
  const before = `lower(array_to_string(${words}[${i} - ${CUE_WORDS}:${i} - 1], ' '))`;
  const lineBreakBefore = `coalesce(strpos(regexp_replace(${lines}, '\\n[[:blank:]]+', E'\\n', 'g'), E'\\n' || ${words}[${i}]) > 0, false)`;
  const lineStart = `(${words}[${i} - 1] IS NULL OR right(${words}[${i} - 1], 1) = ',' OR ${lineBreakBefore})`;
  return `(${before} ~ ${quoteLiteral(POSTCODE_CUE)}
    OR rtrim(${words}[${i} - 1], ',') IN (${STATE_CODES.map(quoteLiteral).join(', ')})
    OR (${lineStart} AND (${words}[${i} + 1] IS NULL OR ${words}[${i} + 1] ~ ${quoteLiteral(`^[${LETTERS.upper}]`)})))`;
}

/**
 * The phrase a place with the head `h` (a relation alias with `o`, `n`, `cued`, see {@link placeHeadsSql})
 * would be, read around the word at `i` (SQL) of the words `words` (an array, as written): its `n` words
 * from `i - o`, the first without an opening bracket or quote, the last without trailing punctuation;
 * and the condition for it (`where`): the words exist, and a cued head follows a cue (a postcode of
 * digits, its own: {@link postcodeCueSql}, reading line starts in `lines`).
 */
function placePhraseAtSql(words: string, i: string, h: string, lines: string): { tok: string; where: string } {
  const first = `${i} - ${h}.o`;
  const last = `${i} - ${h}.o + ${h}.n - 1`;
  const tok = `rtrim(ltrim(array_to_string(${words}[${first}:${last}], ' '), ${trimSetSql(OPENING, UNICODE_OPENING)}), ${CLOSING_SET})`;
  return {
    // A ZIP+4 code as written and as its ZIP code: either may be an original (headWordSql).
    tok: `unnest(array_remove(ARRAY[${tok}, ${zipCodeOfSql(tok, `${words}[${i}]`)}], NULL)) AS tok`,
    where: `${first} >= 1 AND ${words}[${last}] IS NOT NULL AND (NOT ${h}.cued
      OR CASE WHEN ascii(${words}[${i}]) BETWEEN 48 AND 57 THEN ${postcodeCueSql(words, i, lines)} ELSE ${placeCueSql(`${words}[${i} - 1]`)} END)`,
  };
}

/** SQL giving the length of the `k`th word of `hv.v` (split at single spaces) as a head word counts it: -1 when it starts with a digit (a house number). */
const headLengthSql = (k: number): string => `CASE WHEN ascii(split_part(hv.v, ' ', ${k})) BETWEEN 48 AND 57 THEN -1 ELSE length(split_part(hv.v, ' ', ${k})) END`;

/**
 * A query giving, for each original street, city or postcode of `values` (a query giving them as column
 * `v`, trimmed, in composed form), the head word free text is searched for it at: as `w`, the longest of
 * its first three words that does not start with a digit, in small letters, without edge punctuation
 * (`harbour` of `12 Harbour Lane`, `alcalá` of `Calle de Alcalá 5`: rarer in text than a house number,
 * `the` or `lane`); as `o`, where it stands (from 0); as `n`, the value's words; as `cued`, whether the value
 * is a single word of letters only (`Kirkwall`, but also `Hope`), read after a {@link PLACE_CUES} word only,
 * or a postcode of digits ({@link DIGIT_POSTCODE}: `94107`, itself its head; a ZIP+4 code's head is its
 * ZIP code, {@link headWordSql}), read after a postcode's cue only ({@link postcodeCueSql}). None for a
 * value of more than {@link MAX_PHRASE_WORDS} words, or whose head holds no letter, unless it is such a postcode.
 * The subqueries are kept apart (OFFSET 0): flattened, each word's length was computed again at each
 * reference (6.3 s against 2.4 s for 1M streets, on one core).
 */
export function placeHeadsSql(values: string): string {
  const lengths = [1, 2, 3].map((k) => `${headLengthSql(k)} AS l${k}`).join(', ');
  return `SELECT ${headWordSql('w')} AS w, o, n, n = 1 AND (w ~ ${quoteLiteral(`^[${LETTERS.alpha}]+$`)} OR w ~ ${quoteLiteral(DIGIT_POSTCODE)}) AS cued
    FROM (SELECT rtrim(ltrim(lower(split_part(hl.v, ' ', hl.o + 1)), ${trimSetSql(OPENING, UNICODE_OPENING)}), ${CLOSING_SET}) AS w, hl.o, hl.n
            FROM (SELECT hv.v, hv.n, CASE WHEN hv.n = 1 THEN 0 WHEN hv.l2 > hv.l1 AND hv.l2 >= hv.l3 THEN 1 WHEN hv.l3 > hv.l1 THEN 2 ELSE 0 END AS o
                    FROM (SELECT hv.v, length(hv.v) - length(replace(hv.v, ' ', '')) + 1 AS n, ${lengths}
                            FROM (${values}) AS hv WHERE length(hv.v) >= ${MIN_KNOWN_LENGTH} OFFSET 0) AS hv OFFSET 0) AS hl) AS h
   WHERE n <= ${MAX_PHRASE_WORDS} AND (w ~ ${quoteLiteral(`[${LETTERS.alpha}]`)} OR (n = 1 AND w ~ ${quoteLiteral(DIGIT_POSTCODE)}))`;
}

/**
 * A query over `from` (a FROM list) giving `columns` and, as `tok`, the phrase each original street,
 * city or postcode would be at each word of the text `value` (a column: it is read three times) that
 * is its head word ({@link PLACE_HEADS_TABLE}, {@link placePhraseAtSql}), as written: a place in small
 * letters (`ship to 12 harbour lane`), or with small words inside (`4 Rue de la Paix`), which the search
 * of capitalised runs does not read. One keyed hash a word.
 */
export function keyedPlacePhrasesSql(from: string, value: string, columns: string): string {
  const place = placePhraseAtSql('wp.a', 'lw.i::int', 'h', value);
  return `SELECT ${columns === '' ? '' : `${columns}, `}${place.tok}
    FROM ${from}, ${openedWordsSql(value)} AS wp(a), unnest(wp.a) WITH ORDINALITY AS lw(w, i), ${PLACE_HEADS_TABLE} AS h
   WHERE h.fp = ${fingerprintSql(headWordSql(`rtrim(lw.w, ${CLOSING_SET})`, 'lw.w'))} AND ${place.where}`;
}

/**
 * `quoted_hits(t)`: the unit's hits ({@link HITS_TABLE}) among the candidates of the text `t`, with
 * their kind and escaped pattern, when texts get patterns of their own: from which `scrub_text` makes
 * the pattern of a text decoded from base64 inside another (a column's own texts have theirs made
 * before masking, in {@link TEXT_HITS_TABLE}). PL/pgSQL, so the
 * hits table need exist only when it runs; the phrase search is read from `phrase_search` then too.
 */
export function quotedHitsSql(): string {
  const phrases = candidateTokensSql('(SELECT t AS v) AS src', 'src.v', { words: MAX_PHRASE_WORDS, usernames: true }, 'words');
  return `
CREATE FUNCTION ${s}.quoted_hits(t text) RETURNS TABLE (hit text, hit_kind text, hit_pattern text) LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE words int := (SELECT p.words FROM ${s}.phrase_search AS p); candidate text;
BEGIN
  -- One primary-key lookup a candidate, not a join: under a staged rewrite's parallel settings a join
  -- was planned over parallel workers, started again for every text (5 ms a text against 0.3 ms).
  FOR candidate IN SELECT DISTINCT x.tok FROM (${phrases}) AS x LOOP
    SELECT v.tok, v.kind, v.pattern INTO hit, hit_kind, hit_pattern FROM ${HITS_TABLE} AS v WHERE v.tok = candidate;
    IF FOUND THEN RETURN NEXT; END IF;
  END LOOP;
END
$fn$;
`;
}

/**
 * A query over `from` (a FROM list) giving `columns` and, for each name joined into one word by dots,
 * underscores or hyphens (a handle, a link's slug: `marguerite.okonkwo`, `@marguerite_okonkwo`,
 * `linkedin.com/in/marguerite-okonkwo-1b2c3`, `marguerite-okonkwo.pdf`) or run together in camel case
 * (`AnandVenkataraman`, `@anandVenkataraman`) in the text `value` (a column), every two and three of its
 * parts in a row: as `tok` as written there (with its joiners) and as `key` in small letters with
 * spaces (`marguerite okonkwo`), which is what originals are compared as. The runs of words joined so
 * are found by one pattern, starting a word (or a handle's `@`, or a hyphen that does: `/in/-marguerite-okonkwo`;
 * not an email's domain: `gmail.com` is no name), in a text that holds such a run (one pattern test a
 * text: most hold none, or only an email). A camel-case run is cut into its words before each capital
 * that follows a small letter.
 * With `starts` (a relation of words as column `w`), only the parts in a row starting with one of those
 * words (in small letters) are given.
 */
export function joinedNamesSql(from: string, value: string, columns: string, starts?: string): string {
  const letter = `[${LETTERS.alpha}]`;
  const word = `${letter}[${LETTERS.alpha}']*`;
  // A run starts a word, or follows an @ or a hyphen that does (a handle), not an email's @.
  const runStart = "(?:^|[^.[:alnum:]_@-]|(?:^|[^.[:alnum:]_-])[@-])";
  // Parts are split at single joiners (jp.j: a dot, or none in camel case), so a part starts after the
  // parts before it and one joiner each.
  const start = `length(array_to_string(jp.p[1:ji - 1], jp.j)) + CASE WHEN ji > 1 THEN length(jp.j) + 1 ELSE 1 END`;
  const written = (n: number): string => `substr(jr.m[1], ${start}, length(array_to_string(jp.p[ji:ji + ${n - 1}], jp.j)))`;
  const key = (n: number): string => `lower(${Array.from({ length: n }, (_, k) => `jp.p[ji + ${k}]`).join(` || ' ' || `)})`;
  const joined = `${word}(?:[._-]${word})+`;
  return `SELECT ${columns === '' ? '' : `${columns}, `}jw.tok, jw.key
    FROM ${from}, regexp_matches(${value}, ${quoteLiteral(`${runStart}(${joined}|${CAMEL_WORDS})`)}, 'g') AS jr(m),
         LATERAL (SELECT CASE WHEN jr.m[1] ~ '[._-]' THEN regexp_split_to_array(jr.m[1], '[._-]') ELSE regexp_split_to_array(regexp_replace(jr.m[1], ${quoteLiteral(CAMEL_BREAK)}, '\\1.\\2', 'g'), '[.]') END AS p,
                         CASE WHEN jr.m[1] ~ '[._-]' THEN '.' ELSE '' END AS j) AS jp,
         generate_subscripts(jp.p, 1) AS ji,
         unnest(ARRAY[${written(2)}, ${written(3)}], ARRAY[${key(2)}, ${key(3)}]) AS jw(tok, key)
   WHERE ${value} ~ ${quoteLiteral(`${runStart}(?:${word}[._-]${letter}|${CAMEL_WORDS})`)}${starts === undefined ? '' : ` AND lower(jp.p[ji]) IN (SELECT w FROM ${starts})`} AND jw.key IS NOT NULL`;
}
