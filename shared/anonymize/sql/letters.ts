/**
 * Letters beyond ASCII, as regex escapes to put in bracket expressions: Latin-1's and Latin Extended-A's.
 * Where a database's ctype is C, `[[:upper:]]` and `[[:alnum:]]` are ASCII only, so `José Müller` read
 * as `Jos` and `Élodie` as no name at all (checked on PostgreSQL 18); spelled out, names read the same
 * under any locale (under a UTF-8 one these letters are in the classes already, at no measurable cost).
 * Latin Extended-A alternates cases, so it counts as both.
 */
const BEYOND_ASCII = { upper: '\\u00C0-\\u00D6\\u00D8-\\u00DE\\u0100-\\u017E', lower: '\\u00DF-\\u00F6\\u00F8-\\u00FF\\u0100-\\u017E' } as const;

/** The insides of bracket expressions for letters of any locale: `[${LETTERS.upper}]`. */
export const LETTERS = {
  upper: `[:upper:]${BEYOND_ASCII.upper}`,
  lower: `[:lower:]${BEYOND_ASCII.lower}`,
  alpha: `[:alpha:]${BEYOND_ASCII.upper}${BEYOND_ASCII.lower}`,
  alnum: `[:alnum:]${BEYOND_ASCII.upper}${BEYOND_ASCII.lower}`,
} as const;

/** Capitals and small letters of ASCII and Latin-1, for camel case: Latin Extended-A counts as both cases in {@link LETTERS}. */
const CAMEL = { upper: '[:upper:]\\u00C0-\\u00D6\\u00D8-\\u00DE', lower: '[:lower:]\\u00DF-\\u00F6\\u00F8-\\u00FF' } as const;
/** Two or more words run together in camel case (`AnandVenkataraman`, `anandVenkataraman`, `McDonald`): a handle written so. */
export const CAMEL_WORDS = `[${CAMEL.upper}]?[${CAMEL.lower}]+(?:[${CAMEL.upper}][${CAMEL.lower}]+)+`;
/** Where camel case breaks between two words: a small letter (captured first) before a capital (second). */
export const CAMEL_BREAK = `([${CAMEL.lower}])([${CAMEL.upper}])`;
/** A word starting with a small letter (`anandVenkataraman`): its camel-case fake starts with one too. */
export const SMALL_START = `^[${CAMEL.lower}]`;
