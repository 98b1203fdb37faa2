import type pg from 'pg';
import { ConfigError } from '../errors';

/**
 * Production's event triggers come with the copy and run on rehearsal's own DDL there (its working
 * schema, tables, indexes and constraints). Most only log it; a guard that raises ("DDL only through
 * migrations") stops anonymize or verify with its own message, which says nothing of where it came
 * from. (One that fires on `table_rewrite` is avoided: see rewrite.ts.) {@link explainEventTriggerError}
 * names the event trigger behind such a failure.
 */

/** The PostgreSQL error behind `error`: itself, or its cause (a masking failure wraps the database's error). */
function databaseError(error: unknown): { message: string; where?: string } | undefined {
  for (const candidate of [error, (error as { cause?: unknown } | undefined)?.cause]) {
    const where = (candidate as { where?: unknown } | undefined)?.where;
    if (candidate instanceof Error && typeof where === 'string') return { message: candidate.message, where };
  }
  return undefined;
}

/**
 * Runs `work` on `client`; when it fails inside the function of an event trigger of the database that
 * fires in an ordinary session, throws {@link ConfigError} naming the trigger, its event and what it
 * raised instead (the original error as its cause). Any other failure is rethrown as it was.
 */
export async function explainingEventTriggers<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw await explainEventTriggerError(client, error);
  }
}

/** The error to report for `error` (see {@link explainingEventTriggers}). */
export async function explainEventTriggerError(client: pg.Client, error: unknown): Promise<unknown> {
  const cause = databaseError(error);
  if (!cause?.where) return error;
  try {
    await client.query('ROLLBACK');
    const { rows } = await client.query<{ name: string; event: string; fn: string }>(
      `SELECT e.evtname AS name, e.evtevent AS event, e.evtfoid::regprocedure::text AS fn
         FROM pg_event_trigger e WHERE e.evtenabled IN ('O', 'A') ORDER BY 1`,
    );
    const trigger = rows.find((row) => cause.where?.includes(`function ${row.fn} `) === true);
    if (!trigger) return error;
    return new ConfigError([{
      path: `event trigger ${trigger.name}`,
      message: `production's event trigger ${trigger.name} (on ${trigger.event}, function ${trigger.fn}) raised "${cause.message}" on rehearsal's own DDL in the copy (its working schema, tables and indexes); the step was rolled back. Let its function pass the masking role's DDL, or disable it on production if nothing needs it`,
    }], { cause: error });
  } catch {
    return error;
  }
}
