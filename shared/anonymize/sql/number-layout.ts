/** How numbers are written in text: the separators of their groups, a card's layout, an area code's parenthesis. */

/**
 * What separates a number's groups of digits besides the ASCII space, dot and hyphen, as regex escapes
 * for bracket expressions (JavaScript reads the same escapes): the no-break spaces (U+00A0, U+202F) and Unicode dashes (U+2010-U+2015) a
 * number copied from a web page, a phone's contact card or WhatsApp is written with (`+44 7700 900123`
 * with no-break spaces was neither scrubbed nor found).
 */
export const UNICODE_SEPARATORS = '\\u00A0\\u202F\\u2010-\\u2015';

/**
 * How a card number is written, anchored: one group of digits; groups of 4, the last of 1 to 4; or
 * 4-6-5 and 4-6-4 (American Express, Diners), joined by a space or a dash. Two numbers side by side
 * (`330-09-5301 083-95-2076`, two SSNs) pass a card's Luhn sum one time in ten, and are no card.
 */
const CARD_SEP = `[ ${UNICODE_SEPARATORS}-]`;
export const CARD_LAYOUT = `^([0-9]+|[0-9]{4}(${CARD_SEP}[0-9]{4})*${CARD_SEP}[0-9]{1,4}|[0-9]{4}${CARD_SEP}[0-9]{6}${CARD_SEP}[0-9]{4,5})$`;

/**
 * SQL telling whether the run of digits `run` (an SQL expression) starts with a parenthesis that opens
 * no area code or trunk 0 (`(4111 1111 1111 1111`, `(078-05-1120`), which is no part of the number:
 * one around an area code or a trunk 0 (`(415) 555-0132`, `(0)7700 900123`) is. A string test first;
 * the pattern only for a run that starts so.
 */
export const opensNoAreaCodeSql = (run: string): string => `(left(${run}, 1) = '(' AND ${run} !~ '^[(][0-9]{1,5}[)]')`;
