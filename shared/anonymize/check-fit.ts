import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { isConnectionLost } from '../db/lost-connection';
import { BrokenCheckError, messageWithoutValue, type BrokenCheck } from './errors';
import { qualifiedSql, type MaskPlan, type TablePlan } from './plan';
import { setExpression } from './set-expression';

/** Rows of each table the fakes are tried on: enough to meet a constraint every fake breaks, cheap on any table. */
export const TRIED_ROWS = 200;

/**
 * Tries the fakes of each table's masked columns on up to {@link TRIED_ROWS} of its rows against the
 * table's CHECK constraints over those columns (`NOT VALID` ones too: an UPDATE is held to them) and the
 * domains of their types (each fake is cast to its column's type, as masking does), and throws
 * {@link BrokenCheckError} naming every constraint a fake breaks.
 * A constraint only production's values meet (`email LIKE '%@acme.com'`, where fakes use reserved
 * domains) would otherwise stop the run on that table, after the tables before it were masked. Runs in
 * the caller's transaction (a savepoint per table); needs the mask schema and the key.
 */
export async function refuseBrokenChecks(client: pg.Client, plan: MaskPlan, rows = TRIED_ROWS): Promise<void> {
  const broken: BrokenCheck[] = [];
  for (const table of plan.tables) {
    if (table.truncate || table.masked.length === 0) continue;
    broken.push(...await brokenChecksOf(client, table, rows));
  }
  if (broken.length > 0) throw new BrokenCheckError(broken);
}

async function brokenChecksOf(client: pg.Client, table: TablePlan, rows: number): Promise<BrokenCheck[]> {
  const masked = table.masked.map((column) => column.column.name);
  const { rows: checks } = await client.query<{ name: string; definition: string; expression: string; columns: string[] }>(
    `SELECT k.conname AS name, pg_get_constraintdef(k.oid) AS definition, pg_get_expr(k.conbin, k.conrelid) AS expression,
            array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) AND a.attname = ANY ($2::text[]) ORDER BY a.attnum) AS columns
       FROM pg_constraint k
      WHERE k.conrelid = $1::regclass AND k.contype = 'c'
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) AND a.attname = ANY ($2::text[]))
      ORDER BY k.conname`,
    [qualifiedSql(table), masked],
  );
  // A fake its column's type refuses (a domain's check, a value too long) fails the whole query: each
  // column is then tried alone, and one that fails is reported on its own and read as it was for the rest.
  const refused = new Map<string, Error & { constraint?: string }>();
  const select = (names: readonly string[]): string =>
    table.table.columns.filter((column) => !column.generated && (names.length === 0 || names.includes(column.name))).map((column) => {
      const plan = refused.has(column.name) ? undefined : table.masked.find((candidate) => candidate.column.name === column.name);
      return `${plan ? `(${setExpression(plan)})` : quoteIdent(column.name)} AS ${quoteIdent(column.name)}`;
    }).join(', ');
  const counts = checks.map((check, i) => `, count(*) FILTER (WHERE (${check.expression}) IS FALSE)::int AS c${i}`).join('');
  // count(t::text) reads every column of the row, so every fake is computed and cast (the planner drops unread ones).
  const tried = (columns: string, aggregates = ''): string => `SELECT count(t::text)::int AS sampled${aggregates} FROM (SELECT ${columns} FROM ${qualifiedSql(table)} LIMIT ${rows}) AS t`;
  let found = await attemptQuery(client, tried(select([]), counts));
  if (found instanceof Error) {
    for (const column of masked) {
      const alone = await attemptQuery(client, tried(select([column])));
      if (alone instanceof Error) refused.set(column, alone);
    }
    found = await attemptQuery(client, tried(select([]), counts));
  }
  const broken: BrokenCheck[] = [...refused].map(([column, failure]) => (
    { table: table.table.qualified, constraint: failure.constraint ?? '', definition: messageWithoutValue(failure.message), broken: 1, sampled: 0, columns: [column] }));
  if (found instanceof Error) return [...broken, { table: table.table.qualified, constraint: '', definition: messageWithoutValue(found.message), broken: 1, sampled: 0, columns: masked }];
  const sampled = found.sampled ?? 0;
  for (const [i, check] of checks.entries()) {
    const count = found[`c${i}`] ?? 0;
    if (count > 0) broken.push({ table: table.table.qualified, constraint: check.name, definition: check.definition, broken: count, sampled, columns: check.columns });
  }
  return broken;
}

/** Runs a one-row query under a savepoint: its row, or the error it failed with (nothing of it kept). */
async function attemptQuery(client: pg.Client, sql: string): Promise<Record<string, number> | (Error & { constraint?: string })> {
  await client.query('SAVEPOINT check_fit');
  try {
    const { rows } = await client.query<Record<string, number>>(sql);
    await client.query('RELEASE SAVEPOINT check_fit');
    return rows[0] ?? {};
  } catch (error) {
    // A lost connection is no refused fake: it ends the run (see ConnectionLostError).
    if (isConnectionLost(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT check_fit');
    return error as Error & { constraint?: string };
  }
}
