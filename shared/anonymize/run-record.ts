import type pg from 'pg';
import { ConfigError } from '../errors';
import { keyCheckOf } from './keyed-digest';
import { KEY_CHECK_TABLE, PROGRESS_TABLE } from './mask-schema';
import { unitStep } from './mask-unit';
import { samePlan } from './plan-digest';
import type { MaskPlan } from './plan';
import { MASK_SCHEMA } from './sql/core';

/**
 * A masking run's record, in its progress steps: `finished <time>` once every table is masked and the
 * last steps are done, `verified <time>` once verify passed. A passing verify drops the fingerprints
 * and the helpers but keeps this record (the steps, the rules' digest, the key check: no data, no
 * key), so a later anonymize of the same copy knows it is masked already: under the same rules and
 * key it changes nothing (masking the fakes again would break their joins with every other copy
 * masked under that key); under others it is refused. Times are the database's, in UTC.
 */

const FINISHED = 'finished ';
const VERIFIED = 'verified ';
const NOW_UTC = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

const recordedAt = (steps: ReadonlySet<string>, prefix: string): string | undefined =>
  [...steps].find((step) => step.startsWith(prefix))?.slice(prefix.length);

/** When the run whose steps these are finished masking, or undefined while it has not. */
export const finishedAt = (steps: ReadonlySet<string>): string | undefined => recordedAt(steps, FINISHED);
/** When the run whose steps these are passed verify, or undefined. */
export const verifiedAt = (steps: ReadonlySet<string>): string | undefined => recordedAt(steps, VERIFIED);

/** Records that the run finished: its last step, after the last steps of masking (see anonymize.ts). */
export async function recordFinished(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO ${PROGRESS_TABLE} (step) SELECT $1 || ${NOW_UTC} ON CONFLICT DO NOTHING`, [FINISHED]);
}

/** A run that finished on this copy already: when, and when it passed verify. */
export interface AlreadyAnonymized {
  readonly finishedAt: string;
  readonly verifiedAt?: string;
}

/**
 * The finished run on this copy when it masked with `plan` and `key` (so anonymizing again has nothing
 * to do); undefined when no run finished here. Throws {@link ConfigError}, nothing changed, when it
 * masked under rules that mask otherwise or another key: masking its fakes again would give neither.
 */
export async function alreadyAnonymized(client: pg.Client, steps: ReadonlySet<string>, plan: MaskPlan, key: Buffer): Promise<AlreadyAnonymized | undefined> {
  const finished = finishedAt(steps);
  if (finished === undefined) return undefined;
  const verified = verifiedAt(steps);
  const { rows } = await client.query<{ mac: Buffer }>(`SELECT mac FROM ${KEY_CHECK_TABLE}`);
  const sameKey = rows[0]?.mac.equals(keyCheckOf(key)) === true;
  const same = samePlan(steps, plan);
  if (same && sameKey) return { finishedAt: finished, ...(verified === undefined ? {} : { verifiedAt: verified }) };
  const state = verified === undefined ? `anonymized at ${finished} (not verified yet)` : `anonymized at ${finished} and verified at ${verified}`;
  const other = same ? 'with another masking key' : 'under rules that mask otherwise';
  throw new ConfigError(`this copy was ${state} ${other}: anonymizing it again would mask its fakes, which would then join neither production's values nor other copies masked under the first rules and key; nothing was changed. `
    + `Restore a fresh copy of production and anonymize that${verified === undefined ? ', or verify this one with the rules and key it was masked with' : ''}`);
}

/**
 * Why verify cannot run on this copy, or undefined: a run that passed verify once has no fingerprints
 * left to search for.
 */
export function verifiedRunProblem(steps: ReadonlySet<string>): string | undefined {
  const verified = verifiedAt(steps);
  if (verified === undefined) return undefined;
  return `this copy passed verify at ${verified} (anonymized at ${finishedAt(steps) ?? 'an unrecorded time'}), which dropped the fingerprints verify searches for: `
    + 'nothing is left to verify it against again. To verify again, anonymize a fresh copy of production';
}

/**
 * Why verify must not search this copy yet, or undefined: a run that has not finished masking (a failed
 * or stopped anonymize) would be verified half masked, and the columns verify cannot search for
 * originals (dates, numbers) would pass unmasked.
 */
export function unfinishedRunProblem(steps: ReadonlySet<string>, plan: MaskPlan): string | undefined {
  if (finishedAt(steps) !== undefined) return undefined;
  const waiting = plan.units.filter((unit) => !steps.has(unitStep(unit)));
  const tables = waiting.flatMap((unit) => unit.tables.map((table) => table.table.qualified));
  const masked = `${plan.units.length - waiting.length} of ${plan.units.length} table groups masked`;
  return `anonymize has not finished on this copy (${masked}${tables.length > 0 ? `; not yet: ${tables.join(', ')}` : ', its last steps not done'}), so it cannot be verified: `
    + 'run anonymize again with the same rules and key to finish it, then verify';
}

/**
 * On a passing verify: drops the mask schema's fingerprints, known values and helpers, and keeps only
 * the run's record (its steps with `verified <time>`, and the key check), in one transaction.
 */
export async function keepOnlyRunRecord(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    const { rows: steps } = await client.query<{ step: string }>(`SELECT step FROM ${PROGRESS_TABLE}`);
    const { rows: checks } = await client.query<{ mac: Buffer }>(`SELECT mac FROM ${KEY_CHECK_TABLE}`);
    await client.query(`DROP SCHEMA ${MASK_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${MASK_SCHEMA}`);
    await client.query(`COMMENT ON SCHEMA ${MASK_SCHEMA} IS 'rehearsal: the record of the masking run verified here (its steps, a digest of its rules, a keyed hash telling its key); no data, no key'`);
    await client.query(`CREATE TABLE ${PROGRESS_TABLE} (step text PRIMARY KEY)`);
    await client.query(`INSERT INTO ${PROGRESS_TABLE} (step) SELECT unnest($1::text[]) UNION SELECT $2 || ${NOW_UTC}`, [steps.map((row) => row.step), VERIFIED]);
    await client.query(`CREATE TABLE ${KEY_CHECK_TABLE} (mac bytea NOT NULL)`);
    for (const check of checks) await client.query(`INSERT INTO ${KEY_CHECK_TABLE} (mac) VALUES ($1)`, [check.mac]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
