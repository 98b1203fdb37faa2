import { quoteLiteral } from '../../db/client';
import { ASCII_DIGITS, MASK_SCHEMA } from './core';
import { LETTERS } from './letters';

// Characters beyond ASCII are written \x… in these patterns, not \u…: rehearsal's DDL may be logged into a
// kept column, where verify reads JSON escapes, and a fullwidth @ read so would make an address there.
const SPACE = '[[:space:]]';
const OPEN = '[[({<]';
const CLOSE = '[])}>]';
/** A word in brackets, spaces around it optional: `[at]`, `( dot )`, `{at}`, `<dot>`. */
const bracketed = (word: string): string => `${SPACE}*${OPEN}${SPACE}*${word}${SPACE}*${CLOSE}${SPACE}*`;
const AT_WORD = '[Aa][Tt]';
const DOT_WORD = '[Dd][Oo][Tt]';

/**
 * How an obfuscated address writes its `@`: `at` in brackets, the word `at` (any capitals) or an `@`
 * between spaces, the HTML entities of `@` (`&#64;`, `&#x40;`, `&commat;`), or the fullwidth and small
 * commercial at (U+FF20, U+FE6B). (An `@` with a space on one side only is a mention: `thanks @ann.lee`.)
 */
const OBFUSCATED_AT = `(?:${bracketed(AT_WORD)}|${SPACE}+(?:${AT_WORD}|@)${SPACE}+|&#0*64;|&#[xX]0*40;|&commat;|\\xFF20|\\xFE6B)`;
/** How a dot is spelled out: `dot` in brackets, or the word `dot` (any capitals) between spaces. */
const SPELLED_DOT = `(?:${bracketed(DOT_WORD)}|${SPACE}+${DOT_WORD}${SPACE}+)`;
/** A dot written as a character: itself, the fullwidth full stop, the ideographic full stop, its HTML entities. */
const WRITTEN_DOT = '(?:\\.|\\xFF0E|\\x3002|&#0*46;|&#[xX]0*2[Ee];|&period;)';
/** Where obfuscated dots are written (spelled out, or as a character other than `.`). */
const OBFUSCATED_DOT = `(?:${SPELLED_DOT}|\\xFF0E|\\x3002|&#0*46;|&#[xX]0*2[Ee];|&period;)`;
const DOT = `(?:${SPELLED_DOT}|${WRITTEN_DOT})`;
const LOCAL_WORD = `[${LETTERS.alnum}._%+-]+`;
/** A local part, maybe with its dots spelled out too (`anna dot lee at …`). */
const LOCAL = `${LOCAL_WORD}(?:${SPELLED_DOT}${LOCAL_WORD})*`;
const LABEL = `[${LETTERS.alnum}-]+`;

/**
 * An email written so a harvester would not read it: `anna at gmail dot com`, `anna [at] gmail [dot]
 * com`, `anna(at)gmail(dot)com`, `anna AT gmail DOT com`, `anna＠gmail．com`, `anna&#64;gmail.com`,
 * `anna@gmail[dot]com`: its `@` obfuscated, or a plain `@` and one of its dots obfuscated (a plain
 * address is the email detector's). One capture group: the whole of it, as written. A match is a
 * candidate: `email_unobfuscated` (see {@link obfuscatedEmailsSql}) says whether it is an address.
 */
export const OBFUSCATED_EMAIL = `(?:^|[^${LETTERS.alnum}._%+-])(${LOCAL}(?:${OBFUSCATED_AT}${LABEL}(?:${DOT}${LABEL})+|@${LABEL}(?:${DOT}${LABEL})*${OBFUSCATED_DOT}${LABEL}(?:${DOT}${LABEL})*))(?![${LETTERS.alnum}-])`;

/**
 * SQL (a boolean) telling whether the text `value` (read up to nine times) may hold an obfuscated
 * email, a cheap test before the search: it holds an entity of `@` or `.`, `at` before a closing bracket,
 * `AT` or an `@` between spaces, `dot` in any capitals with the word `at` or an `@`, or, beyond ASCII,
 * a fullwidth or small `@` or full stop. A strpos and plain patterns: one pattern of all the forms
 * (their alternatives of several characters each) cost every text 2 microseconds, this a quarter; and
 * `dot` alone, or any `&`, let one text in thirty of a support bot's chats through (`the dot on the
 * map`, `fish & chips`).
 */
export function obfuscationHintSql(value: string): string {
  // First one class and two words that every form holds one of (a quarter of a microsecond; most text
  // fails it), then the forms.
  return `(${value} ~ '[&)\\]}>@]|AT|${DOT_WORD}|[^ -~]' AND (strpos(${value}, '&#') > 0 OR strpos(${value}, '&commat;') > 0 OR strpos(${value}, '&period;') > 0 OR ${value} ~ '${AT_WORD}${SPACE}*${CLOSE}|${SPACE}(AT|@)${SPACE}'
    OR (${value} ~ '${DOT_WORD}' AND ${value} ~ '${SPACE}${AT_WORD}${SPACE}|@')
    OR (octet_length(${value}) > length(${value}) AND ${value} ~ '[\\xFF20\\xFE6B\\xFF0E\\x3002]')))`;
}

/**
 * Top-level domains a spelled-out address may end in (`dot com`): the generic ones mail is at, and
 * the countries' most written. After a plain `.` any two letters or more are.
 */
export const SPELLED_TLDS: readonly string[] = [
  'com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'io', 'co', 'ai', 'app', 'dev', 'me', 'email', 'online', 'xyz', 'tech', 'eu',
  'uk', 'us', 'ca', 'au', 'nz', 'ie', 'de', 'fr', 'es', 'it', 'nl', 'be', 'ch', 'at', 'se', 'no', 'dk', 'fi', 'pl', 'pt', 'cz', 'sk', 'hu',
  'ro', 'gr', 'tr', 'ru', 'ua', 'il', 'in', 'jp', 'cn', 'kr', 'tw', 'hk', 'sg', 'my', 'id', 'ph', 'vn', 'th', 'br', 'mx', 'ar', 'cl', 'za',
  'ng', 'ke', 'ae', 'sa',
];

/**
 * Words prose puts before `at` (`meet at`, `look at`, `available at`, `us at`): a bare ` at ` after
 * one is no address's `@` (`meet at noon dot com launch`).
 */
export const PROSE_BEFORE_AT: readonly string[] = [
  'a', 'an', 'the', 'i', 'me', 'my', 'we', 'us', 'our', 'you', 'your', 'he', 'him', 'his', 'she', 'her', 'it', 'its', 'they', 'them',
  'their', 'this', 'that', 'these', 'those', 'there', 'here', 'who', 'what', 'where', 'when', 'how', 'why', 'is', 'am', 'are', 'was',
  'were', 'be', 'been', 'being', 'do', 'does', 'did', 'have', 'has', 'had', 'will', 'would', 'can', 'could', 'should', 'may', 'might',
  'must', 'and', 'or', 'but', 'not', 'no', 'yes', 'so', 'just', 'only', 'all', 'some', 'one', 'now', 'then', 'still', 'also', 'even',
  'more', 'info', 'back', 'home', 'out', 'up', 'down', 'off', 'over', 'again', 'arrive', 'arrived', 'arrives', 'arriving', 'meet',
  'meets', 'meeting', 'met', 'look', 'looks', 'looked', 'looking', 'see', 'sees', 'saw', 'seen', 'stay', 'stays', 'stayed', 'staying',
  'work', 'works', 'worked', 'working', 'live', 'lives', 'lived', 'living', 'eat', 'ate', 'start', 'starts', 'started', 'starting',
  'end', 'ends', 'ended', 'stop', 'stops', 'stopped', 'call', 'called', 'reach', 'reached', 'aim', 'aimed', 'good', 'bad', 'best',
  'better', 'well', 'right', 'left', 'least', 'last', 'first', 'once', 'laugh', 'laughed', 'smile', 'smiled', 'stare', 'stared',
  'point', 'pointed', 'born', 'died', 'held', 'open', 'opens', 'opened', 'close', 'closes', 'closed', 'available', 'located', 'based',
  'sold', 'found', 'posted', 'hosted', 'listed', 'published', 'online', 'wait', 'waited', 'waiting', 'shop', 'shopped', 'shopping',
  'sit', 'sat', 'stand', 'stood', 'play', 'played', 'playing', 'study', 'studied', 'studying', 'visit', 'visited', 'join', 'joined',
  'today', 'tonight', 'tomorrow', 'yesterday', 'time', 'times', 'party', 'dinner', 'lunch', 'breakfast', 'class', 'launch', 'launched',
  'event', 'year', 'years', 'month', 'months', 'week', 'weeks', 'day', 'days', 'hour', 'hours', 'minutes', 'job', 'jobs', 'intern',
  'interned', 'employed', 'hired', 'engineer', 'developer', 'manager', 'nobody', 'everyone', 'someone', 'anyone', 'people', 'staff',
];

/**
 * Words prose puts after `at` (`at noon`, `at home`, `at the`, `at least`): a bare ` at ` before one
 * is no address's `@` either.
 */
export const PROSE_AFTER_AT: readonly string[] = [
  'a', 'an', 'the', 'this', 'that', 'these', 'those', 'my', 'your', 'our', 'his', 'her', 'their', 'its', 'home', 'work', 'school',
  'noon', 'night', 'midnight', 'dawn', 'dusk', 'lunch', 'dinner', 'breakfast', 'least', 'last', 'first', 'once', 'all', 'times', 'best',
  'worst', 'most', 'large', 'random', 'stake', 'risk', 'ease', 'hand', 'heart', 'sea', 'church', 'college', 'university', 'war', 'peace',
  'length', 'sunset', 'sunrise', 'christmas', 'easter', 'present', 'any', 'some', 'one', 'which', 'what', 'whatever', 'it', 'him', 'me',
  'us', 'them', 'you', 'will', 'once', 'each', 'every',
];

/** Domains of webmail providers: `anna at gmail dot com` is an address wherever it is written. */
export const MAIL_PROVIDERS: readonly string[] = [
  'gmail', 'googlemail', 'yahoo', 'ymail', 'rocketmail', 'hotmail', 'outlook', 'live', 'msn', 'icloud', 'mac', 'aol', 'protonmail', 'proton',
  'pm', 'gmx', 'web', 'yandex', 'mail', 'inbox', 'qq', '163', '126', 'naver', 'hanmail', 'daum', 'zoho', 'fastmail', 'tutanota', 'tuta',
  'hey', 'posteo', 'mailbox', 'btinternet', 'sky', 'virginmedia', 'orange', 'free', 'laposte', 'wanadoo', 'sfr', 'libero', 'virgilio',
  't-online', 'freenet', 'seznam', 'wp', 'o2', 'onet', 'interia', 'rediffmail', 'comcast', 'verizon', 'att', 'sbcglobal', 'bellsouth',
  'cox', 'charter', 'shaw', 'rogers', 'bigpond', 'optusnet', 'xtra', 'rambler', 'ukr', 'abv', 'bluewin', 'telenet', 'skynet', 'ziggo',
  'kpn', 'xs4all', 'uol', 'bol', 'terra',
];

/** Words of a text that speaks of mail (read in small letters): `email me`, `contact`, `write to`, `reach`, `address`, `send`. */
export const MAIL_CUE = 'mail|contact|writ|wrote|reach|address|send|sent|inbox';

/**
 * `email_unobfuscated(candidate, t, cued)`: the address a match of {@link OBFUSCATED_EMAIL} in the text `t`
 * spells, written plainly (`anna@gmail.com`, capitals as written), or NULL when it is prose. Its `@`
 * and dots are read; its top-level domain must be one of {@link SPELLED_TLDS} after a spelled-out dot,
 * two letters or more after a written one. The word `at` (or an `@`) between spaces is how prose joins
 * words too, so then its local part must hold a letter, neither it nor the first label of the domain
 * may be a word prose puts beside `at` ({@link PROSE_BEFORE_AT}, {@link PROSE_AFTER_AT}), and, unless
 * it is an `@` or `AT` in capitals in a local part that is not, every dot must be spelled out or
 * bracketed (prose writes `work at amazon.com`) and the domain must be a mail provider's
 * ({@link MAIL_PROVIDERS}), the local part a handle's (a digit, dot, underscore, plus or hyphen in it),
 * or the text must speak of mail elsewhere (`email`, `contact`, `write to`, …, or `cued`: `t` is a
 * piece of a long text that does so outside it): prose writes `trained at harvard dot edu` too.
 */
export function obfuscatedEmailsSql(): string {
  const s = MASK_SCHEMA;
  const list = (words: readonly string[]): string => `ARRAY[${words.map(quoteLiteral).join(', ')}]::text[]`;
  // The local part is what comes before the first way of writing @ (no class of letters of any locale
  // here: such a pattern costs a millisecond to compile, and verify's query holds more patterns than
  // the cache of compiled ones, which then compiles some again for each text).
  const parts = `^(.+?)(${OBFUSCATED_AT}|@)(.+)$`;
  return `
CREATE FUNCTION ${s}.email_unobfuscated(candidate text, t text, cued boolean DEFAULT false) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE m text[] := regexp_match(candidate, ${quoteLiteral(parts)}); mark text; local text; domain text; labels text[]; tld text; deliberate boolean := false;
BEGIN
  IF m IS NULL THEN RETURN NULL; END IF;
  mark := regexp_replace(m[2], '[[:space:]]+', '', 'g');
  domain := regexp_replace(m[3], ${quoteLiteral(DOT)}, '.', 'g');
  labels := string_to_array(domain, '.');
  tld := lower(labels[cardinality(labels)]);
  -- The word at or an @ between spaces: prose joins words so too, unless all else says address. The
  -- words beside it first, which reject most prose.
  IF lower(mark) IN ('at', '@') AND mark <> m[2] THEN
    IF lower(m[1]) = upper(m[1]) OR lower(m[1]) = ANY (${list(PROSE_BEFORE_AT)}) OR lower(labels[1]) = ANY (${list(PROSE_AFTER_AT)}) THEN RETURN NULL; END IF;
    -- An @, or AT in capitals in a local part that is not (prose writes neither), is written on purpose.
    deliberate := mark = '@' OR (mark = 'AT' AND (m[1] <> upper(m[1]) OR translate(m[1], ${ASCII_DIGITS}, '') <> m[1]));
    -- Prose writes a domain after the word at: a written dot only after those.
    IF NOT deliberate AND m[3] ~ ${quoteLiteral(WRITTEN_DOT)} THEN RETURN NULL; END IF;
  END IF;
  local := CASE WHEN strpos(lower(m[1]), 'dot') > 0 THEN regexp_replace(m[1], ${quoteLiteral(SPELLED_DOT)}, '.', 'g') ELSE m[1] END;
  -- Its top-level domain: a known one after a spelled-out dot, any two letters or more after a written one.
  IF (CASE WHEN right(lower(rtrim(left(m[3], length(m[3]) - length(labels[cardinality(labels)])), E' \\t\\r\\n])}>')), 3) = 'dot'
           THEN NOT tld = ANY (${list(SPELLED_TLDS)}) ELSE length(tld) < 2 OR translate(tld, 'abcdefghijklmnopqrstuvwxyz', '') <> '' END) THEN RETURN NULL; END IF;
  -- And prose spells one out at times: the word at is an address's only at a mail provider, after a
  -- handle (a digit, dot, underscore, plus or hyphen in it), or in a text that speaks of mail.
  IF lower(mark) = 'at' AND mark <> m[2] AND NOT deliberate
     AND NOT (lower(labels[1]) = ANY (${list(MAIL_PROVIDERS)}) OR translate(local, '._+-' || ${ASCII_DIGITS}, '') <> local
              OR cued OR lower(replace(t, candidate, ' ')) ~ ${quoteLiteral(MAIL_CUE)}) THEN RETURN NULL; END IF;
  RETURN local || '@' || domain;
END
$fn$;
`;
}
