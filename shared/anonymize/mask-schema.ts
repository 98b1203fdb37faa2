import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ConfigError } from '../errors';
import { KEY_CHECK_TEXT, keyBlock } from './keyed-digest';
import { MIN_KEY_LENGTH } from './masking-key';
import { quotedHitsSql } from './sql/candidates';
import { coreSql, KEY_SETTING, MASK_SCHEMA } from './sql/core';
import { detectorsSql, fakeShapeSql } from './sql/detectors';
import { fakesSql } from './sql/fakes';
import { ibansSql } from './sql/ibans';
import { nationalIdsSql } from './sql/national-ids';
import { obfuscatedEmailsSql } from './sql/obfuscated-emails';
import { jsonSql } from './sql/json';
import { longTextsSql } from './sql/long-texts';

/** Fingerprints of original values, taken before masking: what verify searches the candidate for. */
export const FINGERPRINT_TABLE = `${MASK_SCHEMA}.fingerprints`;
/** The column each fingerprint's `source` number stands for (`public.users.email`), so findings can name it. */
export const FINGERPRINT_SOURCES_TABLE = `${MASK_SCHEMA}.fingerprint_sources`;
/**
 * The steps a masking run committed (`prepared`, then `unit:<id>` per table group, `finished <time>`
 * last), each recorded in the same transaction as its work: the database itself says where to resume,
 * so a table is never masked twice even when the caller lost its state. A passing verify adds
 * `verified <time>` and keeps this table as the run's record (see run-record.ts).
 */
export const PROGRESS_TABLE = `${MASK_SCHEMA}.progress`;

/** The key ranges a batched table has committed: each batch's upper key (as text), rows and milliseconds. */
export const BATCHES_TABLE = `${MASK_SCHEMA}.batches`;

/** The committed steps, or undefined when no masking run left its schema here. */
export async function committedSteps(client: pg.Client): Promise<Set<string> | undefined> {
  const exists = await client.query(`SELECT to_regclass('${PROGRESS_TABLE}') IS NOT NULL AS present`);
  if (exists.rows[0]?.present !== true) return undefined;
  const { rows } = await client.query<{ step: string }>(`SELECT step FROM ${PROGRESS_TABLE}`);
  return new Set(rows.map((row) => row.step));
}

/** Records a step; call inside the transaction that did its work. */
export async function commitStep(client: pg.Client, step: string): Promise<void> {
  await client.query(`INSERT INTO ${PROGRESS_TABLE} (step) VALUES ($1) ON CONFLICT DO NOTHING`, [step]);
}

/** The SQL of the mask schema's helper functions and dictionaries, in the order it is installed. */
const helpersSql = (): string[] => [coreSql(), fakesSql(), ibansSql(), nationalIdsSql(), obfuscatedEmailsSql(), detectorsSql(), fakeShapeSql(), jsonSql(), quotedHitsSql(), longTextsSql()];

let helpersVersion: string | undefined;
/**
 * Which fakes and detectors this version of rehearsal installs: a digest of their SQL, recorded as a
 * step (`helpers <digest>`) when the schema is installed.
 */
export function maskHelpersVersion(): string {
  helpersVersion ??= createHash('sha256').update(helpersSql().join('\n')).digest('hex').slice(0, 12);
  return helpersVersion;
}
const HELPERS_STEP_PREFIX = 'helpers ';

/**
 * Undefined when the mask schema here was installed by this version of rehearsal; otherwise why a run
 * must not go on with it. A release deployed between a run's anonymize and its verify (or between a
 * run's batches) would otherwise resume masking with other fakes, so values masked before and after
 * no longer join, or verify with detectors and functions the schema does not have.
 */
export async function otherHelpersProblem(client: pg.Client): Promise<string | undefined> {
  const steps = await committedSteps(client);
  const recorded = [...steps ?? []].find((step) => step.startsWith(HELPERS_STEP_PREFIX))?.slice(HELPERS_STEP_PREFIX.length);
  if (recorded === maskHelpersVersion()) return undefined;
  return `the masking helpers in this database were installed by another version of rehearsal (helpers ${recorded ?? 'unrecorded'}, this version's ${maskHelpersVersion()}), `
    + 'whose fakes and detectors differ: finish the run with the version that started it, or restore a fresh copy and run again';
}

/**
 * (Re)creates the mask schema: helper functions, dictionaries and an empty fingerprint table, in one
 * transaction (its own, unless the caller holds one, as a dry run does to roll it all back). Needs only
 * CREATE on the database: no superuser, no extension.
 */
export async function installMaskSchema(client: pg.Client, options: { ownTransaction?: boolean } = {}): Promise<void> {
  const own = options.ownTransaction ?? true;
  if (own) await client.query('BEGIN');
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${MASK_SCHEMA} CASCADE`);
    for (const sql of helpersSql()) await client.query(sql);
    await client.query(`CREATE TABLE ${PROGRESS_TABLE} (step text PRIMARY KEY)`);
    await commitStep(client, `${HELPERS_STEP_PREFIX}${maskHelpersVersion()}`);
    await client.query(`CREATE TABLE ${BATCHES_TABLE} (unit text NOT NULL, hi text NOT NULL, rows bigint NOT NULL, ms bigint NOT NULL, PRIMARY KEY (unit, hi))`);
    if (own) await client.query('COMMIT');
  } catch (error) {
    if (own) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Whether the mask schema (and so the fingerprints of a masking run) is present. */
export async function maskSchemaExists(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [MASK_SCHEMA]);
  return rows.length > 0;
}

/**
 * Whether the mask schema's table `table` (qualified) exists and holds a row: a table this version
 * adds is absent from a schema an older one installed (a run prepared before the release).
 */
export async function tableHasRows(client: pg.Client, table: string): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  if (rows[0]?.present !== true) return false;
  const { rows: any } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`);
  return any[0]?.any === true;
}

/**
 * Memory for this session's sorts, hashes and index builds. PostgreSQL's defaults (4 MB, 64 MB, hashes
 * twice work_mem) make the fingerprints' DISTINCTs, verify's hash joins and a rewrite's index builds
 * spill to disk at a million rows; one masking session may use more. A hash may take four times
 * work_mem (512 MB): verify hashes every fingerprint (about 400 MB for 6 million) in each of its
 * connections, and splitting that hash in two batches cost it 15%. Memory is taken as needed, not
 * reserved. Session settings: they end with the connection.
 */
export const MASKING_MEMORY = { work_mem: '128MB', maintenance_work_mem: '256MB', hash_mem_multiplier: '4' } as const;

/** Applies {@link MASKING_MEMORY} to this session. */
export async function useMaskingMemory(client: pg.Client): Promise<void> {
  const settings = Object.entries(MASKING_MEMORY);
  await client.query(`SELECT ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ')}`, settings.flat());
}

/**
 * Lets this transaction's reads run over parallel workers. PostgreSQL prices a keyed hash or a regex
 * like an addition, so by default it judges a scan that computes one per value not worth a second
 * core; over a large table (smaller ones stay serial: `min_parallel_table_scan_size`) it is. Only
 * reads and `CREATE TABLE … AS` can use workers, never an UPDATE or a rewrite. Also turns memoize off:
 * free text's statistics count the distinct values of a sample, so the planner believes messages
 * repeat and caches each regex scan by text, at a cost (15% of the fingerprints at a million rows) and
 * with no hits. Local to the transaction.
 */
export async function useParallelScans(client: pg.Client): Promise<void> {
  await client.query("SELECT set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true), set_config('enable_memoize', 'off', true)");
}

/**
 * Gives this session the masking key, as a key block in a session setting (a bound parameter: the key is in
 * no SQL text, no table). Every connection that masks or verifies calls this first.
 */
export async function useMaskingKey(client: pg.Client, key: Buffer): Promise<void> {
  // The last line of defence: an empty or short key (a Lambda without its secret) would make every
  // fake guessable from its original. Masking with it is refused, whoever built the context.
  if (key.length < MIN_KEY_LENGTH) {
    throw new ConfigError([{ path: 'maskingKey', message: `the masking key is ${key.length === 0 ? 'empty' : 'too short'}: at least ${MIN_KEY_LENGTH} bytes are needed` }]);
  }
  await client.query('SELECT set_config($1, $2, false)', [KEY_SETTING, keyBlock(key)]);
}

/** The keyed hash of a constant that tells which key a run used (see {@link recordKeyCheck}); kept in a run's record too. */
export const KEY_CHECK_TABLE = `${MASK_SCHEMA}.key_check`;
const KEY_CHECK_INPUT = `convert_to('${KEY_CHECK_TEXT}', 'UTF8')`;

/**
 * Stores the keyed hash of a constant under the session's key, so verify can tell it was given the same key
 * (with another key every fingerprint would silently miss). It reveals nothing about the key.
 */
export async function recordKeyCheck(client: pg.Client): Promise<void> {
  await client.query(`CREATE TABLE ${KEY_CHECK_TABLE} AS SELECT ${MASK_SCHEMA}.keyed(${KEY_CHECK_INPUT}) AS mac`);
}

/** Whether the session's key is the one the fingerprints were taken with. */
export async function keyMatches(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ same: boolean }>(`SELECT mac = ${MASK_SCHEMA}.keyed(${KEY_CHECK_INPUT}) AS same FROM ${KEY_CHECK_TABLE}`);
  return rows[0]?.same === true;
}
