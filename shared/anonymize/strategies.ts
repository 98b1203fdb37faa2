import type { ColumnInfo } from './catalog';
import type { ColumnRule, StrategyName } from './rules-schema';

/** The kinds of column type a strategy may apply to (domains resolved, array elements taken). */
export type TypeClass = 'text' | 'integer' | 'numeric' | 'date' | 'json' | 'uuid' | 'inet' | 'boolean' | 'other';

const TYPE_CLASSES: Readonly<Record<string, TypeClass>> = {
  text: 'text', varchar: 'text', bpchar: 'text', citext: 'text', name: 'text',
  int2: 'integer', int4: 'integer', int8: 'integer',
  numeric: 'numeric', float4: 'numeric', float8: 'numeric',
  date: 'date', timestamp: 'date', timestamptz: 'date',
  json: 'json', jsonb: 'json', uuid: 'uuid', inet: 'inet', bool: 'boolean',
};

/** The types of each class, as a message names them (`date` holds timestamps too). */
const CLASS_TYPES: Readonly<Record<TypeClass, string>> = {
  text: 'text', integer: 'integer', numeric: 'numeric', date: 'date and timestamp', json: 'json and jsonb', uuid: 'uuid', inet: 'inet', boolean: 'boolean', other: 'other',
};

/** The class of a column's (element) type. */
export function typeClassOf(column: ColumnInfo): TypeClass {
  return TYPE_CLASSES[column.baseType] ?? 'other';
}

/** What a strategy needs from a column. */
export interface StrategySpec {
  /** Type classes it applies to; undefined: every type. */
  readonly fits?: readonly TypeClass[];
  /** The SQL fake function for text-shaped values (`rehearsal_mask.<fn>(v text, maxlen, attempt)`). */
  readonly fakeFunction?: string;
  /** The shortest `varchar(n)` / `char(n)` its fakes fit. */
  readonly minLength?: number;
  /** Whether retrying with another attempt can always make its fakes unique (so unique columns stay unique). */
  readonly injective: boolean;
  /** Whether original values are fingerprinted for verify (text-like values worth searching for). */
  readonly fingerprint: boolean;
}

const text = (fakeFunction: string, minLength: number, extra: readonly TypeClass[] = []): StrategySpec => ({
  fits: ['text', ...extra], fakeFunction, minLength, injective: true, fingerprint: true,
});

/** Every strategy's requirements, by name. */
export const STRATEGIES: Readonly<Record<StrategyName, StrategySpec>> = {
  keep: { injective: true, fingerprint: false },
  null: { injective: true, fingerprint: true },
  fixed: { injective: false, fingerprint: true },
  hash: { fits: ['text', 'integer', 'uuid'], fakeFunction: 'hash_text', minLength: 8, injective: true, fingerprint: true },
  redact: { fits: ['text'], fakeFunction: 'redact', minLength: 1, injective: false, fingerprint: true },
  email: text('email', 25),
  firstName: text('first_name', 2),
  lastName: text('last_name', 2),
  fullName: text('full_name', 5),
  username: text('username', 6),
  phone: text('phone', 1, ['integer', 'numeric']),
  ipAddress: text('ip', 15, ['inet']),
  street: text('street', 6),
  city: text('city', 3),
  postcode: text('postcode', 3),
  uuid: text('uuid_text', 36, ['uuid']),
  dateShift: { fits: ['date'], injective: false, fingerprint: false },
  numberNoise: { fits: ['integer', 'numeric'], injective: false, fingerprint: false },
  scrubText: { fits: ['text', 'json'], injective: false, fingerprint: true },
  json: { fits: ['json'], injective: false, fingerprint: true },
};

/**
 * Why a rule cannot apply to a column, or undefined when it can: a type it does not fit, `null` on a
 * NOT NULL column, a fake longer than `varchar(n)`, a strategy that cannot keep a unique column unique.
 */
export function unfitReason(rule: ColumnRule, column: ColumnInfo, unique: boolean): string | undefined {
  const spec = STRATEGIES[rule.strategy];
  const type = typeClassOf(column);
  if (spec.fits && !spec.fits.includes(type)) {
    return `strategy ${rule.strategy} does not fit column type ${column.sqlType}; it applies to ${spec.fits.map((fit) => CLASS_TYPES[fit]).join(', ')} columns`;
  }
  if (rule.strategy === 'null' && column.notNull) return `strategy null on a NOT NULL column (${column.sqlType}); use a fake or fixed value instead`;
  if (rule.strategy === 'fixed' && rule.value === null && column.notNull) return 'fixed value null on a NOT NULL column';
  // A cast to varchar(n) cuts a longer value without a word: the rules would not say what staging holds.
  if (rule.strategy === 'fixed' && typeof rule.value === 'string' && column.maxLength !== undefined && !column.isArray && [...rule.value].length > column.maxLength) {
    return `fixed value ${JSON.stringify(rule.value)} has ${[...rule.value].length} characters but the column is ${column.sqlType}, which would cut it`;
  }
  const min = rule.strategy === 'hash' && unique ? 16 : spec.minLength;
  if (type === 'text' && column.maxLength !== undefined && min !== undefined && column.maxLength < min) {
    return `${/^[aeiou]/i.test(rule.strategy) ? 'an' : 'a'} ${rule.strategy} fake needs at least ${min} characters but the column is ${column.sqlType}`;
  }
  if (unique && (!spec.injective || column.isArray || rule.strategy === 'json')) {
    return `strategy ${rule.strategy} cannot keep the unique column unique; use keep, hash or a fake strategy (email, uuid, ...)`;
  }
  if (unique && rule.strategy === 'hash' && type === 'integer' && column.baseType === 'int2') {
    return 'hash cannot keep a unique smallint unique (too few values); use keep';
  }
  return undefined;
}
