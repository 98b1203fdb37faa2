import { quoteIdent, quoteLiteral } from '../db/client';
import type { ColumnInfo } from './catalog';
import { parseJsonPath, toWalkerPath } from './json-path';
import { DEFAULT_NOISE_RATIO, type ColumnRule } from './rules-schema';
import { STRATEGIES, typeClassOf } from './strategies';
import { MASK_SCHEMA, textOf } from './sql/core';
import { INLINE_FAKES, inlineFake } from './sql/fakes';

const s = MASK_SCHEMA;
const INT_BITS: Readonly<Record<string, number>> = { int2: 15, int4: 31, int8: 63 };

/** How `json_leaf` takes a numberNoise rule: its ratio (`0.1`), or its amount after `by:` (`by:0.01`). */
const noiseParam = (rule: { readonly ratio?: number | undefined; readonly by?: number | undefined }): string => (rule.by === undefined ? String(rule.ratio ?? DEFAULT_NOISE_RATIO) : `by:${rule.by}`);

/** The element type of a column: its own type, or for an array its element's (`text[]` gives `text`). */
function elementType(column: ColumnInfo): string {
  return column.isArray ? column.sqlType.replace(/\[\]$/, '') : column.sqlType;
}

/**
 * How a dictionary fake is written: `inline` (an expression with a sub-select computing the digest
 * once: the fastest in an UPDATE) or `call` (a call of the kind's function: the only form allowed where
 * PostgreSQL forbids sub-selects, such as `ALTER COLUMN ... USING`). Both give the same value.
 */
export type FakeForm = 'inline' | 'call';

/**
 * The SQL expression giving the masked value of `value` (an SQL expression of the column's element
 * type) under a rule, typed as the element type. `attempt` is an SQL integer expression: 0 normally,
 * higher when resolving a uniqueness collision.
 */
export function maskElementSql(value: string, column: ColumnInfo, rule: ColumnRule, attempt = '0', form: FakeForm = 'inline'): string {
  const type = elementType(column);
  const maxLength = column.maxLength === undefined ? 'NULL' : String(column.maxLength);
  const cls = typeClassOf(column);
  switch (rule.strategy) {
    case 'keep':
      return value;
    case 'null':
      return `NULL::${type}`;
    case 'fixed':
      return rule.value === null ? `NULL::${type}` : `${quoteLiteral(String(rule.value))}::${type}`;
    case 'hash':
      if (cls === 'integer') return `${s}.hash_int(${textOf(value)}, ${INT_BITS[column.baseType] ?? 31}, ${attempt})::${type}`;
      if (cls === 'uuid') return `${s}.uuid_text(${textOf(value)}, NULL, ${attempt})::${type}`;
      return `${s}.hash_text(${textOf(value)}, ${maxLength}, ${attempt})::${type}`;
    case 'dateShift': {
      const shift = `((${s}.u32(${s}.digest('date', ${textOf(value)}, 0), 0) % ${2 * rule.maxDays + 1}) - ${rule.maxDays})`;
      return column.baseType === 'date' ? `(${value} + ${shift}::int)` : `(${value} + ${shift} * interval '1 day')::${type}`;
    }
    case 'numberNoise': {
      // From -1 to 1, by the value's keyed digest.
      const noise = `((${s}.u32(${s}.digest('number', ${textOf(value)}, 0), 0)::numeric / 4294967295) * 2 - 1)`;
      const moved = rule.by === undefined ? `${value} * (1 + ${rule.ratio ?? DEFAULT_NOISE_RATIO} * ${noise})` : `${value} + ${rule.by} * ${noise}`;
      return cls === 'integer' ? `round(${moved})::${type}` : `(${moved})::${type}`;
    }
    case 'scrubText':
      return cls === 'json' ? `${s}.scrub_text(${textOf(value)})::${type}` : `${s}.scrub_text(${textOf(value)}, ${maxLength})::${type}`;
    case 'json': {
      let doc = `${value}::jsonb`;
      for (const [path, leaf] of Object.entries(rule.paths)) {
        const param = leaf.strategy === 'fixed' ? JSON.stringify(leaf.value) : leaf.strategy === 'dateShift' ? String(leaf.maxDays) : leaf.strategy === 'numberNoise' ? noiseParam(leaf) : null;
        const segments = toWalkerPath(parseJsonPath(path)).map(quoteLiteral).join(', ');
        doc = `${s}.json_apply(${doc}, ARRAY[${segments}]::text[], ${quoteLiteral(leaf.strategy)}, ${param === null ? 'NULL' : quoteLiteral(param)})`;
      }
      return `${doc}::${type}`;
    }
    default: {
      const fn = STRATEGIES[rule.strategy].fakeFunction;
      if (!fn) throw new Error(`no fake function for strategy ${rule.strategy}`);
      // inet::text carries the mask (8.8.8.8/32); host() is the address as free text writes it.
      const input = cls === 'inet' ? `host(${value})` : textOf(value);
      const limit = cls === 'text' ? maxLength : 'NULL';
      // Inlined rather than called: a call per row through the SQL-function executor is several times slower.
      if (form === 'inline' && INLINE_FAKES.has(fn)) return `(${inlineFake(fn, input, limit, attempt)})::${type}`;
      return `${s}.${fn}(${input}, ${limit}, ${attempt})::${type}`;
    }
  }
}

/** The SQL expression giving a column's masked value: arrays are masked element by element, in order. */
export function maskColumnSql(column: ColumnInfo, rule: ColumnRule, attempt = '0', source?: string, form: FakeForm = 'inline'): string {
  const ref = source ?? quoteIdent(column.name);
  if (!column.isArray) return maskElementSql(ref, column, rule, attempt, form);
  const element = maskElementSql('u.e', column, rule, attempt);
  return `CASE WHEN ${ref} IS NULL THEN NULL ELSE ARRAY(SELECT ${element} FROM unnest(${ref}) WITH ORDINALITY AS u(e, i) ORDER BY u.i)::${column.sqlType} END`;
}
