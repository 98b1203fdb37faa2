import { quoteIdent } from '../db/client';
import { maskColumnSql, type FakeForm } from './expressions';
import type { ColumnPlan } from './plan';
import type { UniqueMap } from './unique-maps';

/** The column as the expression builder should see it: a follower's fakes are shaped by its root's length. */
function shaped(column: ColumnPlan): ColumnPlan['column'] {
  const { maxLength: _drop, ...rest } = column.column;
  return column.root.maxLength === undefined ? rest : { ...rest, maxLength: column.root.maxLength };
}

/**
 * The SET expression of one masked column, from a unique map when one was built for it. `form: 'call'`
 * gives an expression without sub-selects (what `ALTER COLUMN ... USING` accepts; no map then).
 */
export function setExpression(column: ColumnPlan, maps?: ReadonlyMap<string, UniqueMap>, form: FakeForm = 'inline'): string {
  const map = maps?.get(column.rootId);
  const name = quoteIdent(column.column.name);
  if (map) return `(SELECT m.fake FROM ${map.table} m WHERE m.orig = ${name}::text)::${column.column.sqlType}`;
  const base = maskColumnSql(shaped(column), column.rule, '0', undefined, form);
  return column.rule.strategy === 'fixed' ? `CASE WHEN ${name} IS NULL THEN NULL ELSE ${base} END` : base;
}
