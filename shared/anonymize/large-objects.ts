import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { ConfigError } from '../errors';
import type { MaskPlan } from './plan';
import { SYSTEM_SCHEMAS } from './catalog';

/**
 * Large objects hold files outside any table (`pg_largeobject`); a column of type `oid` (or of a
 * domain over it, such as the `lo` extension's) refers to one by its number. Masking such a column, or
 * truncating its table, removes the reference but not the file: production's documents would stay in
 * staging, listed in `pg_largeobject_metadata` and readable by their owner through `lo_get`. So, last,
 * anonymize unlinks every large object no column refers to any more (as `vacuumlo` does), production's
 * orphans included, and refuses up front when this role may not unlink one it will have to. A large
 * object a kept column refers to stays: keeping the reference keeps the file, as keeping a `bytea`
 * keeps its bytes.
 */

/** A column that may refer to large objects. */
interface ReferringColumn {
  readonly qualified: string;
  readonly column: string;
  /** `"schema"."table"`. */
  readonly tableSql: string;
}

/** Every column of type `oid` (or a domain over it) of every table, partitions included, outside the system schemas. */
async function referringColumns(client: pg.Client): Promise<ReferringColumn[]> {
  const { rows } = await client.query<{ schema: string; table: string; column: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND 'oid'::regtype IN (t.oid, CASE WHEN t.typtype = 'd' THEN t.typbasetype END)
        AND n.nspname <> ALL ($1::text[]) ORDER BY 1, 2, 3`,
    [SYSTEM_SCHEMAS],
  );
  return rows.map((row) => ({ qualified: `${row.schema}.${row.table}`, column: row.column, tableSql: `${quoteIdent(row.schema)}.${quoteIdent(row.table)}` }));
}

/** SQL: the large objects of `pg_largeobject_metadata m` none of `columns` refers to. */
function unreferencedSql(columns: readonly ReferringColumn[], select: string): string {
  const references = columns.map((ref) => `SELECT ${quoteIdent(ref.column)} FROM ${ref.tableSql} WHERE ${quoteIdent(ref.column)} = m.oid`);
  const none = references.map((reference) => `NOT EXISTS (${reference})`).join(' AND ');
  return `SELECT ${select} FROM pg_largeobject_metadata m${none === '' ? '' : ` WHERE ${none}`}`;
}

async function anyLargeObject(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ any: boolean }>('SELECT EXISTS (SELECT FROM pg_largeobject_metadata) AS any');
  return rows[0]?.any ?? false;
}

/** Large objects of one owner that a run will unlink: no kept column refers to them. */
export interface LargeObjectsToUnlink {
  readonly owner: string;
  readonly count: number;
  /** The oid of one of them, for messages. */
  readonly example: string;
  /** Whether this role may unlink them (it is their owner, or a member of the owner's role). */
  readonly removable: boolean;
}

/**
 * The large objects a run of `plan` will leave without a reference, by owner: none refers to them
 * now, or only columns the plan masks or tables it truncates do. Reads only.
 */
export async function largeObjectsToUnlink(client: pg.Client, plan: MaskPlan): Promise<LargeObjectsToUnlink[]> {
  if (!(await anyLargeObject(client))) return [];
  const byTable = new Map(plan.tables.map((table) => [table.table.qualified, table]));
  const kept = (await referringColumns(client)).filter((ref) => {
    const table = byTable.get(ref.qualified);
    return !table || (!table.truncate && !table.masked.some((masked) => masked.column.name === ref.column));
  });
  const { rows } = await client.query<{ owner: string; count: string; example: string; removable: boolean }>(
    `SELECT pg_get_userbyid(u.lomowner) AS owner, count(*) AS count, min(u.oid)::text AS example, pg_has_role(current_user, u.lomowner, 'USAGE') AS removable
       FROM (${unreferencedSql(kept, 'm.oid, m.lomowner')}) u GROUP BY u.lomowner ORDER BY 1`,
  );
  return rows.map((row) => ({ owner: row.owner, count: Number(row.count), example: row.example, removable: row.removable }));
}

/** Before anything changes: throws {@link ConfigError} naming the owners of large objects this role would have to unlink but may not. */
export function refuseUnremovableLargeObjects(groups: readonly LargeObjectsToUnlink[]): void {
  const blocked = groups.filter((group) => !group.removable);
  if (blocked.length === 0) return;
  throw new ConfigError(blocked.map((group) => ({
    path: `large objects of ${group.owner}`,
    message: `${group.count} (oid ${group.example} among them) will refer to no kept column once masked (their columns masked, their tables truncated, or no column referred to them), so anonymize must unlink them, and only their owner ${group.owner} can; connect as that owner (or a member of its role); nothing was changed`,
  })));
}

/** Unlinks every large object no column refers to, in one statement; returns how many. */
export async function unlinkUnreferencedLargeObjects(client: pg.Client): Promise<number> {
  if (!(await anyLargeObject(client))) return 0;
  const { rows } = await client.query<{ unlinked: string }>(unreferencedSql(await referringColumns(client), 'count(lo_unlink(m.oid)) AS unlinked'));
  return Number(rows[0]?.unlinked ?? 0);
}

/** Up to `limit` large objects no column refers to, by oid (what verify reports). */
export async function unreferencedLargeObjects(client: pg.Client, limit: number): Promise<string[]> {
  if (!(await anyLargeObject(client))) return [];
  const { rows } = await client.query<{ oid: string }>(`${unreferencedSql(await referringColumns(client), 'm.oid::text AS oid')} ORDER BY m.oid LIMIT ${Math.max(0, Math.floor(limit))}`);
  return rows.map((row) => row.oid);
}

/**
 * SQL: whether this role may read the large object `m` (a `pg_largeobject_metadata` row) with
 * `lo_get`: a superuser, a member of its owner's role, a role granted SELECT on it (or PUBLIC), or
 * any role when `lo_compat_privileges` is on.
 */
export function readableLargeObjectSql(m: string): string {
  return `(current_setting('lo_compat_privileges')::boolean OR pg_has_role(${m}.lomowner, 'USAGE')
    OR EXISTS (SELECT FROM pg_roles r WHERE r.rolname = current_user AND r.rolsuper)
    OR EXISTS (SELECT FROM aclexplode(${m}.lomacl) a WHERE a.privilege_type = 'SELECT' AND (a.grantee = 0 OR pg_has_role(a.grantee, 'USAGE'))))`;
}

/** A large object this role may not read, so verify cannot search it. */
export interface UnreadableLargeObject {
  readonly oid: string;
  readonly owner: string;
}

/** Up to `limit` large objects this role may not read (see {@link readableLargeObjectSql}), by oid. */
export async function unreadableLargeObjects(client: pg.Client, limit: number): Promise<UnreadableLargeObject[]> {
  if (!(await anyLargeObject(client))) return [];
  const { rows } = await client.query<UnreadableLargeObject>(
    `SELECT m.oid::text AS oid, pg_get_userbyid(m.lomowner) AS owner FROM pg_largeobject_metadata m
      WHERE NOT ${readableLargeObjectSql('m')} ORDER BY m.oid LIMIT ${Math.max(0, Math.floor(limit))}`,
  );
  return rows;
}
