import type pg from 'pg';
import { MASK_SCHEMA } from './sql/core';
import { ConfigError } from '../errors';

/** What rehearsal needs to know about one column to mask it. */
export interface ColumnInfo {
  readonly name: string;
  /** `format_type` of the column: `character varying(40)`, `text[]`, `public.citext`. */
  readonly sqlType: string;
  /** The base type's name, domains resolved and array element taken: `varchar`, `int4`, `jsonb`, `citext`. */
  readonly baseType: string;
  readonly isArray: boolean;
  /** The length limit of `varchar(n)` / `char(n)` (of the element, for arrays), when there is one. */
  readonly maxLength?: number;
  readonly notNull: boolean;
  /** A generated column: PostgreSQL recomputes it from the masked columns; it needs no rule. */
  readonly generated: boolean;
  /** `COLLATE "schema"."name"` when the column's collation is not its type's default (a rewrite must keep it). */
  readonly collate?: string;
  /** A composite (row) type, `CREATE TYPE contact AS (name text, email text)`, or an array of one: no strategy masks its parts. */
  readonly composite?: boolean;
}

/** A foreign key: `columns` of this table reference `refColumns` of `refTable` (qualified names). */
export interface ForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  /** `pg_get_constraintdef`, to re-create the constraint after masking a key. */
  readonly definition: string;
}

/** One table of the database, as rehearsal sees it. */
export interface TableInfo {
  /** `schema.table`, unquoted, as rules name it. */
  readonly qualified: string;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
  /** Every unique index (primary key included), as its column names; expression columns left out. */
  readonly uniqueSets: readonly (readonly string[])[];
  readonly foreignKeys: readonly ForeignKey[];
  /** A partitioned table: its partitions hold its rows (they are not tables of the catalog themselves). */
  readonly partitioned?: boolean;
}

export type Catalog = ReadonlyMap<string, TableInfo>;

/** Schemas that hold no user data: the system's and rehearsal's own. */
export const SYSTEM_SCHEMAS: readonly string[] = ['pg_catalog', 'information_schema', 'pg_toast', MASK_SCHEMA];

/**
 * Reads every ordinary and partitioned table (partitions excluded: their parent masks them) outside
 * the system schemas and rehearsal's own, optionally only in `schemas`.
 */
export async function readCatalog(client: pg.Client, schemas: readonly string[] = []): Promise<Catalog> {
  await refuseMissingSchemas(client, schemas);
  return readRelations(client, schemas, ['r', 'p']);
}

/**
 * Throws {@link ConfigError} (exit 2) naming each of `schemas` the database lacks, with those it has: a
 * misspelt `--schema` would otherwise read no table, so rules covering nothing would pass and mask nothing.
 */
async function refuseMissingSchemas(client: pg.Client, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const { rows } = await client.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace WHERE nspname <> ALL ($1::text[]) AND nspname NOT LIKE 'pg\\_%' ORDER BY nspname`, [SYSTEM_SCHEMAS]);
  const present = rows.map((row) => row.name);
  const missing = schemas.filter((schema) => !present.includes(schema));
  if (missing.length === 0) return;
  throw new ConfigError(missing.map((schema) => ({
    path: 'schemas', message: `schema ${JSON.stringify(schema)} does not exist in the database (its schemas: ${present.map((name) => JSON.stringify(name)).join(', ') || 'none'})`,
  })));
}

/**
 * The relations outside the system schemas that are no table a rule can name (`schema.name` to `view`,
 * `materialized view`, `foreign table`, `sequence`), so a rule naming one is told what it named.
 */
export async function readOtherRelations(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ qualified: string; kind: string }>(
    `SELECT n.nspname || '.' || c.relname AS qualified,
            CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'sequence' END AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm', 'f', 'S') AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_%'`,
    [SYSTEM_SCHEMAS],
  );
  return new Map(rows.map((row) => [row.qualified, row.kind]));
}

/**
 * Reads every populated materialized view outside the system schemas, as tables: they need no rule
 * (anonymize refreshes them from the masked tables), but verify searches them like any table.
 */
export async function readMaterializedViews(client: pg.Client): Promise<Catalog> {
  return readRelations(client, [], ['m']);
}

async function readRelations(client: pg.Client, schemas: readonly string[], kinds: readonly ('r' | 'p' | 'm')[]): Promise<Catalog> {
  const filter = schemas.length > 0 ? schemas : null;
  const columns = await client.query<{
    schema: string; table: string; column: string; sql_type: string; base_type: string; is_array: boolean;
    max_length: number | null; not_null: boolean; generated: boolean; collate: string | null; partitioned: boolean; composite: boolean;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relkind = 'p' AS partitioned, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS sql_type,
            coalesce(base_elem.typname, base.typname) AS base_type, base.typcategory = 'A' AS is_array,
            coalesce(base_elem.typtype, base.typtype) = 'c' AS composite,
            CASE WHEN a.atttypmod > 4 AND coalesce(base_elem.typname, base.typname) IN ('varchar', 'bpchar') THEN a.atttypmod - 4 END AS max_length,
            a.attnotnull AS not_null, a.attgenerated <> '' AS generated,
            CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
              THEN 'COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collate
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_type base_elem ON base.typcategory = 'A' AND base_elem.oid = base.typelem
      LEFT JOIN pg_collation co ON co.oid = a.attcollation
      LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
      WHERE c.relkind = ANY ($3::"char"[]) AND c.relispopulated AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
        AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
        AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[]))
      ORDER BY n.nspname, c.relname, a.attnum`,
    [SYSTEM_SCHEMAS, filter, kinds],
  );
  const indexes = await client.query<{ schema: string; table: string; columns: string[]; primary: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, i.indisprimary AS primary,
            array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indisunique AND n.nspname <> ALL ($1::text[])`,
    [SYSTEM_SCHEMAS],
  );
  const keys = await client.query<{ schema: string; table: string; name: string; columns: string[]; ref_table: string; ref_columns: string[]; definition: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, k.conname AS name, rn.nspname || '.' || rc.relname AS ref_table,
            array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY x(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum ORDER BY x.ord)::text[] AS columns,
            array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY x(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.attnum ORDER BY x.ord)::text[] AS ref_columns,
            pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class rc ON rc.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE k.contype = 'f' AND n.nspname <> ALL ($1::text[]) AND k.conparentid = 0`,
    [SYSTEM_SCHEMAS],
  );

  const tables = new Map<string, { schema: string; name: string; columns: ColumnInfo[]; primaryKey: string[]; uniqueSets: string[][]; foreignKeys: ForeignKey[]; partitioned?: boolean }>();
  for (const row of columns.rows) {
    const qualified = `${row.schema}.${row.table}`;
    let table = tables.get(qualified);
    if (!table) {
      table = { schema: row.schema, name: row.table, columns: [], primaryKey: [], uniqueSets: [], foreignKeys: [], ...(row.partitioned ? { partitioned: true } : {}) };
      tables.set(qualified, table);
    }
    table.columns.push({
      name: row.column, sqlType: row.sql_type, baseType: row.base_type, isArray: row.is_array, notNull: row.not_null, generated: row.generated,
      ...(row.max_length === null ? {} : { maxLength: row.max_length }),
      ...(row.collate === null ? {} : { collate: row.collate }),
      ...(row.composite ? { composite: true } : {}),
    });
  }
  for (const row of indexes.rows) {
    const table = tables.get(`${row.schema}.${row.table}`);
    if (!table || row.columns.length === 0) continue;
    table.uniqueSets.push(row.columns);
    if (row.primary) table.primaryKey = row.columns;
  }
  for (const row of keys.rows) {
    tables.get(`${row.schema}.${row.table}`)?.foreignKeys.push({
      name: row.name, columns: row.columns, refTable: row.ref_table, refColumns: row.ref_columns, definition: row.definition,
    });
  }
  return new Map([...tables].map(([qualified, table]) => [qualified, { qualified, ...table }]));
}

/** Whether a column is in any unique index (or the primary key) of its table. */
export function isUniqueColumn(table: TableInfo, column: string): boolean {
  return table.uniqueSets.some((set) => set.includes(column));
}
