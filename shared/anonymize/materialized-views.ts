import type pg from 'pg';
import { ConfigError } from '../errors';
import { lostConnectionAt, MaskingFailedError, messageWithoutValue } from './errors';
import { MASK_SCHEMA } from './sql/core';

/**
 * A materialized view stores the rows its query gave when it was last refreshed: in a restored copy,
 * production's, personal values included, whatever the masking did to the tables it reads. So once
 * every table is masked, anonymize refreshes each populated materialized view (views a view reads
 * first) and analyses it, so neither its rows nor its statistics keep an original. An unpopulated one
 * holds no rows and stays so. Only an owner may refresh: a run whose role does not own a populated
 * materialized view stops before anything changes. Verify searches them like tables (see verify.ts).
 */

/** A populated materialized view. */
export interface MaterializedView {
  /** `schema.view`, unquoted. */
  readonly name: string;
  /** As SQL (quoted). */
  readonly relation: string;
  /** Whether the connected role owns it (or is a member of its owner role). */
  readonly owns: boolean;
}

/**
 * Every populated materialized view outside the system schemas and rehearsal's, in an order that
 * refreshes the ones another reads (directly or through plain views) before it.
 */
export async function materializedViews(client: pg.Client): Promise<MaterializedView[]> {
  const { rows: views } = await client.query<MaterializedView & { oid: number }>(
    `SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name, format('%I.%I', n.nspname, c.relname) AS relation,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'm' AND c.relispopulated AND n.nspname NOT IN ('pg_catalog', 'information_schema', $1)
      ORDER BY 2`,
    [MASK_SCHEMA],
  );
  if (views.length < 2) return views.map(({ name, relation, owns }) => ({ name, relation, owns }));
  // Which materialized views each one reads, following plain views in between.
  const { rows: edges } = await client.query<{ view: number; reads: number }>(
    `WITH RECURSIVE reads(view, rel) AS (
       SELECT r.ev_class, d.refobjid FROM pg_rewrite r JOIN pg_class v ON v.oid = r.ev_class AND v.relkind = 'm'
         JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
       UNION
       SELECT x.view, d.refobjid FROM reads x JOIN pg_class c ON c.oid = x.rel AND c.relkind = 'v'
         JOIN pg_rewrite r ON r.ev_class = c.oid
         JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass)
     SELECT DISTINCT x.view::int AS view, x.rel::int AS reads FROM reads x JOIN pg_class c ON c.oid = x.rel AND c.relkind = 'm' WHERE x.rel <> x.view`,
  );
  const ordered: MaterializedView[] = [];
  const placed = new Set<number>();
  const place = (oid: number, path: Set<number>): void => {
    if (placed.has(oid) || path.has(oid)) return;
    path.add(oid);
    for (const edge of edges) if (edge.view === oid) place(edge.reads, path);
    const view = views.find((candidate) => candidate.oid === oid);
    if (view) ordered.push({ name: view.name, relation: view.relation, owns: view.owns });
    placed.add(oid);
  };
  for (const view of views) place(view.oid, new Set());
  return ordered;
}

/** Before anything changes: throws {@link ConfigError} naming each populated materialized view this role cannot refresh, not owning it. */
export function refuseUnrefreshable(views: readonly MaterializedView[]): void {
  const foreign = views.filter((view) => !view.owns);
  if (foreign.length === 0) return;
  throw new ConfigError(foreign.map((view) => ({
    path: view.name,
    message: 'this materialized view still holds the rows production gave it, and only its owner can refresh it from the masked tables; connect as that owner (or a member of its role); nothing was changed',
  })));
}

/**
 * Refreshes and analyses each view, in order, each in its own transaction; throws
 * {@link MaskingFailedError} naming the view whose refresh failed (the run stops before promote), or
 * {@link ConnectionLostError} naming it when the connection was lost.
 */
export async function refreshMaterializedViews(client: pg.Client, views: readonly MaterializedView[]): Promise<void> {
  for (const view of views) {
    try {
      await client.query(`REFRESH MATERIALIZED VIEW ${view.relation}`);
      await client.query(`ANALYZE ${view.relation}`);
    } catch (error) {
      const lost = lostConnectionAt(error, {
        step: 'finishing', doing: `refreshing materialized view ${view.name}`,
        left: `${view.name}, and any materialized view not refreshed yet, still holds the rows production gave it`,
      });
      if (lost !== error) throw lost;
      const code = (error as { code?: string }).code;
      throw new MaskingFailedError(view.name, undefined, `${messageWithoutValue((error as Error).message)}${code ? ` (SQLSTATE ${code})` : ''}`, { cause: error, view: true });
    }
  }
}
