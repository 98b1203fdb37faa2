import type pg from 'pg';
import { ConfigError, type InputProblem } from '../errors';
import type { MaskPlan } from './plan';

/**
 * Row-level security would make masking fail open: the fingerprints, the masking statements and
 * verify all read through the policies of the role connected, so rows hidden from it would be neither
 * fingerprinted nor masked nor checked, and verify would pass with their personal data in place. So
 * every session that masks or verifies reads with `row_security = off` (PostgreSQL then raises an
 * error where a policy would have filtered rows, instead of filtering them), and a run stops before
 * anything changes when a policy applies to the connected role on any table of the plan.
 */

/** A table whose rows row-level security would filter for the connected role, and why. */
export interface HiddenRowsTable {
  /** `schema.table`. */
  readonly table: string;
  readonly role: string;
  readonly owner: string;
  /** Whether the table forces its policies on its owner too (`FORCE ROW LEVEL SECURITY`). */
  readonly forced: boolean;
  /** Whether the connected role is the owner or a member of the owner role. */
  readonly owns: boolean;
}

/** Row-level security would hide rows from the connected role: exit code 2, nothing changed, never retried. */
export class RowSecurityError extends ConfigError {
  constructor(readonly tables: readonly HiddenRowsTable[]) {
    super(rowSecurityProblems(tables));
  }
}

function rowSecurityProblems(tables: readonly HiddenRowsTable[]): InputProblem[] {
  const role = tables[0]?.role ?? 'this role';
  return [
    {
      path: 'database',
      message: `row-level security would hide rows of ${tables.length} table${tables.length === 1 ? '' : 's'} from role ${role}, so they would be neither masked nor verified; nothing was changed. `
        + 'Connect as a superuser or a role with BYPASSRLS, or as the owner of these tables (or a member of that role) when they do not FORCE ROW LEVEL SECURITY',
    },
    ...tables.map((table) => ({
      path: table.table,
      message: table.owns
        ? `FORCE ROW LEVEL SECURITY applies its policies to its owner ${table.owner} too`
        : `its policies apply to ${table.role}, which is not its owner ${table.owner} (nor a member of that role)`,
    })),
  ];
}

/**
 * Makes this session read with `row_security = off`: a statement that a policy would filter fails
 * instead of silently skipping rows. Every connection that masks or verifies calls this.
 */
export async function useEveryRow(client: pg.Client): Promise<void> {
  await client.query("SELECT set_config('row_security', 'off', false)");
}

/** Which of `tables` row-level security would filter for the connected role (`row_security_active`). */
export async function tablesHidingRows(client: pg.Client, tables: readonly { schema: string; name: string }[]): Promise<HiddenRowsTable[]> {
  if (tables.length === 0) return [];
  const { rows } = await client.query<HiddenRowsTable>(
    `SELECT n.nspname || '.' || c.relname AS table, current_user AS role, pg_get_userbyid(c.relowner) AS owner,
            c.relforcerowsecurity AS forced, pg_has_role(current_user, c.relowner, 'USAGE') AS owns
       FROM unnest($1::text[], $2::text[]) AS t(schema, name)
       JOIN pg_namespace n ON n.nspname = t.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
      WHERE c.relrowsecurity AND row_security_active(c.oid)
      ORDER BY 1`,
    [tables.map((table) => table.schema), tables.map((table) => table.name)],
  );
  return rows;
}

/**
 * Sets {@link useEveryRow} and throws {@link RowSecurityError} naming every table of the plan whose rows
 * row-level security would hide from the connected role, with why (not the owner, or FORCE).
 */
export async function refuseHiddenRows(client: pg.Client, plan: MaskPlan): Promise<void> {
  await useEveryRow(client);
  const hidden = await tablesHidingRows(client, plan.tables.map((table) => table.table));
  if (hidden.length > 0) throw new RowSecurityError(hidden);
}
