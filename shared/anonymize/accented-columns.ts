import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { ownRowsSql, type MaskPlan } from './plan';
import { textOf } from './sql/core';
import { typeClassOf } from './strategies';
import { useParallelScans } from './mask-schema';

/**
 * Kinds whose originals with accents are looked for, and fingerprinted, as typed without them too
 * (`Jose Garcia` for `José García`, as phones and chats often write a name): names, streets, cities.
 */
export const UNACCENTED_KINDS: ReadonlySet<string> = new Set(['firstName', 'lastName', 'fullName', 'street', 'city']);

/** How {@link accentedColumns} names a column: `schema.table.column`. */
export const accentedColumnName = (table: string, column: string): string => `${table}.${column}`;

/**
 * The masked text columns of {@link UNACCENTED_KINDS} holding a value beyond ASCII (named by
 * {@link accentedColumnName}): only theirs are read again as typed without accents. One scan of each
 * table for all its columns (a comparison of lengths a value, over parallel workers where the server
 * allows), where reading each column again with that comparison cost preparation a tenth more on
 * data of ASCII only (200k rows: the statements its branches joined were planned for a third of the
 * rows passing). Runs in the caller's transaction.
 */
export async function accentedColumns(client: pg.Client, plan: MaskPlan): Promise<ReadonlySet<string>> {
  const accented = new Set<string>();
  await useParallelScans(client);
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const columns = table.masked.filter((column) => UNACCENTED_KINDS.has(column.rule.strategy) && !column.column.isArray && typeClassOf(column.column) === 'text');
    if (columns.length === 0) continue;
    const flags = columns.map((column, i) => {
      const text = textOf(`t.${quoteIdent(column.column.name)}`);
      return `coalesce(bool_or(octet_length(${text}) > length(${text})), false) AS c${i}`;
    });
    const { rows: [row] } = await client.query<Record<string, boolean>>(`SELECT ${flags.join(', ')} FROM ${ownRowsSql(table)} t`);
    columns.forEach((column, i) => {
      if (row?.[`c${i}`] === true) accented.add(accentedColumnName(table.table.qualified, column.column.name));
    });
  }
  return accented;
}
