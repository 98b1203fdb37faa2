import type pg from 'pg';
import { quoteIdent } from '../db/client';

/** An index a staged table's refill builds again after the rows are in, instead of filling it row by row. */
export interface RebuiltIndex {
  /** The statement that removes it (`ALTER TABLE … DROP CONSTRAINT` for a primary key or unique constraint). */
  readonly drop: string;
  /** The statement that builds it again, with the same name, definition and options. */
  readonly create: string;
}

/**
 * The indexes of `table` (SQL name) that the refill of a staged rewrite may drop and build again: an
 * index built once from a million rows (sorted, over parallel workers) costs about half of what a million
 * inserts into it cost. Only indexes whose whole state the two statements restore: valid, in the
 * default tablespace, not clustered on, not the replica identity, without a comment, without a column
 * statistics target, not a partition of a partitioned index, and nothing depending on them (call it
 * after the table's foreign keys are dropped: they depend on the unique index they reference). Plain
 * indexes and primary-key and unique constraints qualify; exclusion constraints stay. Every other index
 * is simply filled by the refill, as before.
 */
export async function indexesToRebuild(client: pg.Client, table: string): Promise<RebuiltIndex[]> {
  const { rows } = await client.query<{ name: string; constraint: string | null; constraint_definition: string | null; index_definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, k.conname AS constraint, pg_get_constraintdef(k.oid) AS constraint_definition,
            pg_get_indexdef(i.indexrelid) AS index_definition
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')
      WHERE i.indrelid = $1::regclass AND i.indisvalid AND i.indisready AND i.indislive
        AND NOT i.indisclustered AND NOT i.indisreplident AND ic.reltablespace = 0
        AND (k.oid IS NULL OR (k.contype IN ('p', 'u') AND obj_description(k.oid, 'pg_constraint') IS NULL))
        AND obj_description(i.indexrelid, 'pg_class') IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget, -1) >= 0)
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid)
      ORDER BY i.indexrelid`,
    [table],
  );
  return rows.map((row) => row.constraint !== null && row.constraint_definition !== null
    ? { drop: `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(row.constraint)}`, create: `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(row.constraint)} ${row.constraint_definition}` }
    : { drop: `DROP INDEX ${row.name}`, create: row.index_definition });
}
