import type pg from 'pg';
import { checkedPlan } from '../anonymize/anonymize';
import { otherPlanProblem } from '../anonymize/plan-digest';
import { CoverageError, verifyLostConnection } from '../anonymize/errors';
import { committedSteps, keyMatches, maskSchemaExists, otherHelpersProblem, useMaskingKey, useMaskingMemory } from '../anonymize/mask-schema';
import { keepOnlyRunRecord, unfinishedRunProblem, verifiedRunProblem } from '../anonymize/run-record';
import type { RulesSource } from '../anonymize/rules-source';
import { withClient } from '../db/client';
import { CheckFailedError, ConfigError } from '../errors';
import { findingsSql, hasPublicationFilters, phoneSizedNumberColumns, statisticsViews, largeObjectFindingsSql, mostlyDistinctColumns, refersToLargeObjects, schemaTextFindingsSql } from './cells';
import { readCatalog, readMaterializedViews, type TableInfo } from '../anonymize/catalog';
import { phraseSearchOf } from '../anonymize/known-values';
import type { TablePlan } from '../anonymize/plan';
import { useEveryRow } from '../anonymize/row-security';
import { productionLinks } from '../anonymize/production-links';
import { unreadableLargeObjects, unreferencedLargeObjects } from '../anonymize/large-objects';
import { explainingEventTriggers } from '../anonymize/event-triggers';

/** One thing verify found: where, and what kind; never the value. */
export interface Finding {
  readonly table: string;
  readonly column: string;
  /**
   * The row: `id=42` (primary key columns), or `ctid=(0,1)` for a table without one; `pg_stats` for a
   * value the planner statistics quote; empty for a column-level finding; what it is for a tie to
   * production (`table` then names the system view listing it: `replication slot cdc` in
   * `pg_replication_slots`), or for an object whose text quotes an original (`function
   * public.is_vip(text)` in `pg_proc`, column `prosrc`).
   */
  readonly key: string;
  readonly kind: string;
}

/** A finding in one line, for logs and terminals: `public.users.email (id=42): original value`. */
export function describeFinding(finding: Finding): string {
  const column = finding.column === '' ? '' : `.${finding.column}`;
  const key = finding.key === '' ? '' : ` (${finding.key})`;
  return `${finding.table}${column}${key}: ${finding.kind}`;
}

export interface VerifyOptions {
  readonly connection: pg.ClientConfig;
  readonly source: RulesSource;
  readonly key: Buffer;
  /**
   * The schemas the rules cover (default: every schema). Tables outside them need no rule, but are
   * still searched, as text no rule masked: an original anywhere in the copy fails verify.
   */
  readonly schemas?: readonly string[];
  /** The most findings to collect (default 1000): one is enough to fail, a thousand enough to fix. */
  readonly limit?: number;
  /**
   * When verify passes, drop the fingerprints and the masking helpers, keeping only the run's record
   * (see run-record.ts), so anonymize later leaves the copy as it is (default true).
   */
  readonly dropOnPass?: boolean;
  /**
   * Connections scanning one big table at once, each a range of its pages (default 2; 1 scans with one
   * connection). Verify only reads, so the ranges need no common transaction.
   */
  readonly workers?: number;
}

/** Tables smaller than this many pages (8 MB) are scanned by one connection. */
const SPLIT_MIN_PAGES = 1024;

export interface VerifyResult {
  readonly findings: readonly Finding[];
  readonly tablesScanned: number;
  readonly fingerprintsDropped: boolean;
}

/**
 * Proves no personal value survived. Fails on:
 * - any column without a rule;
 * - any tie to production the copy still holds (subscription, user mapping, replication slot,
 *   prepared transaction), any large object no column refers to, and any this role may not read;
 * - any original value of a masked column (by keyed fingerprint) in any text-like or JSON column of any
 *   table or populated materialized view, in the large objects their `oid` columns refer to, in the
 *   planner statistics of their text columns, expression indexes and extended statistics, or in the
 *   text of the database's own objects (function bodies, view definitions, defaults, comments, …);
 * - any PII the detectors find outside reserved fake ranges.
 * Needs the fingerprints of a run anonymize finished, and the same key; refuses a run that has not
 * finished (or passed verify already). On a pass the fingerprints are dropped and the run's record kept.
 * A lost connection is a `VerifyConnectionLostError` (exit code 3): nothing changed, run it again.
 */
export async function verifyDatabase(options: VerifyOptions): Promise<VerifyResult> {
  try {
    return await searchedCopy(options);
  } catch (error) {
    throw verifyLostConnection(error);
  }
}

/** {@link verifyDatabase}, but for naming a lost connection. */
async function searchedCopy(options: VerifyOptions): Promise<VerifyResult> {
  const limit = options.limit ?? 1000;
  return withClient(options.connection, (client) => explainingEventTriggers(client, async () => {
    const findings: Finding[] = [];
    let plan;
    try {
      plan = await checkedPlan(client, options.source, options.schemas, { suggest: false });
    } catch (error) {
      if (!(error instanceof CoverageError)) throw error;
      for (const id of error.unclassified) findings.push({ ...splitColumn(id), key: '', kind: 'column has no rule' });
      for (const id of error.dangling) findings.push({ ...splitColumn(id), key: '', kind: 'rule names a missing table or column' });
      return { findings, tablesScanned: 0, fingerprintsDropped: false };
    }
    if (!(await maskSchemaExists(client))) {
      throw new CheckFailedError('no fingerprints to verify against: run anonymize on this database first (a passing verify drops them, so verify runs once per masking)');
    }
    const steps = await committedSteps(client) ?? new Set<string>();
    const verified = verifiedRunProblem(steps);
    if (verified) throw new CheckFailedError(verified);
    const otherHelpers = await otherHelpersProblem(client);
    if (otherHelpers) throw new CheckFailedError(otherHelpers);
    const otherPlan = await otherPlanProblem(client, plan);
    if (otherPlan) throw new ConfigError(otherPlan);
    const unfinished = unfinishedRunProblem(steps, plan);
    if (unfinished) throw new CheckFailedError(unfinished);
    await useMaskingKey(client, options.key);
    await useMaskingMemory(client);
    if (!(await keyMatches(client))) {
      throw new ConfigError('the masking key differs from the one anonymize used: verify needs the same key to recognise original values (check REHEARSAL_MASKING_KEY or --key-file)');
    }
    // A tie anonymize cuts (see production-links.ts) that is back or was never cut is a way for
    // production's data into staging, or out of this copy.
    for (const link of await productionLinks(client)) {
      findings.push({ table: link.catalog, column: '', key: link.description, kind: 'tie to production kept by the copy' });
    }
    // Files no column refers to: never masked, and anonymize unlinks them (see large-objects.ts).
    for (const oid of await unreferencedLargeObjects(client, limit)) {
      findings.push({ table: 'pg_largeobject_metadata', column: '', key: `oid=${oid}`, kind: 'large object no column refers to (production\'s file, never masked)' });
    }
    // Files whose contents this role cannot search (see large-objects.ts): unchecked is not clean.
    for (const object of await unreadableLargeObjects(client, limit)) {
      findings.push({ table: 'pg_largeobject_metadata', column: '', key: `oid=${object.oid}`, kind: `large object this role may not read (owned by ${object.owner}), so its contents were not searched` });
    }
    // Phrases are searched only when streets, cities, usernames or postcodes were masked (known_values says how long they run).
    const phrases = await phraseSearchOf(client);
    const statistics = await statisticsViews(client);
    let tablesScanned = 0;
    const workers = Math.max(1, Math.floor(options.workers ?? 2));
    // Searched as unmasked text, every column: materialized views, which hold rows of their own, and
    // with `schemas`, the tables outside them (no rule masked them, but a copy must hold no original anywhere).
    const asKept = (table: TableInfo): TablePlan => ({ table, truncate: false, masked: [] });
    const views = [...(await readMaterializedViews(client)).values()].map(asKept);
    const derived = new Set(views);
    const planned = new Set(plan.tables.map((table) => table.table.qualified));
    const outside = (options.schemas ?? []).length === 0 ? []
      : [...(await readCatalog(client)).values()].filter((table) => !planned.has(table.qualified)).map(asKept);
    for (const table of [...plan.tables, ...outside, ...views]) {
      if (findings.length >= limit) break;
      const remaining = limit - findings.length;
      const objectColumns = table.table.columns.filter(refersToLargeObjects);
      const numbers = await phoneSizedNumberColumns(client, table);
      const searched = findingsSql(table, remaining, phrases, { numbers }) !== undefined;
      if (!searched && objectColumns.length === 0) continue;
      tablesScanned += 1;
      // The files its oid columns refer to: searched like the column's own bytes, in statements of their own.
      for (const column of objectColumns) {
        const { rows } = await client.query<{ row_key: string; col: string; finding: string }>(largeObjectFindingsSql(table, column, remaining, phrases));
        for (const row of rows.slice(0, limit - findings.length)) findings.push({ table: table.table.qualified, column: row.col, key: row.row_key, kind: `${row.finding} (in the large object it refers to)` });
      }
      if (!searched || findings.length >= limit) continue;
      const ranges = await pageRanges(client, table.table.schema, table.table.name, workers);
      const distinct = await mostlyDistinctColumns(client, table.table);
      const parts = await Promise.all(ranges.map((range, i) => {
        // The statistics' values are searched with the first range only: once per table.
        const sql = findingsSql(table, remaining, phrases, { range, statistics: i === 0 ? statistics : undefined, distinct, derived: derived.has(table), numbers }) ?? '';
        const run = async (worker: pg.Client) => (await worker.query<{ row_key: string; col: string; finding: string }>(sql)).rows;
        return i === 0 ? run(client) : withClient(options.connection, async (worker) => {
          await useEveryRow(worker);
          await useMaskingKey(worker, options.key);
          await useMaskingMemory(worker);
          return run(worker);
        });
      }));
      for (const row of parts.flat().slice(0, limit - findings.length)) findings.push({ table: table.table.qualified, column: row.col, key: row.row_key, kind: row.finding });
    }
    // The text of the database's own objects (functions, views, defaults, comments, …): originals only.
    if (findings.length < limit) {
      const { rows } = await client.query<{ row_key: string; col: string; finding: string }>(schemaTextFindingsSql(limit - findings.length, phrases, await hasPublicationFilters(client)));
      for (const row of rows) {
        const [catalog = '', column = ''] = row.col.split('.');
        findings.push({ table: catalog, column, key: row.row_key, kind: row.finding });
      }
    }
    const drop = findings.length === 0 && (options.dropOnPass ?? true);
    if (drop) await keepOnlyRunRecord(client);
    return { findings, tablesScanned, fingerprintsDropped: drop };
  }));
}

function splitColumn(id: string): { table: string; column: string } {
  const parts = id.split('.');
  if (parts.length >= 3) return { table: parts.slice(0, 2).join('.'), column: parts.slice(2).join('.') };
  return { table: id, column: '' };
}

/** The table split into `workers` ctid ranges of about equal pages, or one unbounded range when it is small. */
async function pageRanges(client: pg.Client, schema: string, table: string, workers: number): Promise<(string | undefined)[]> {
  const { rows } = await client.query<{ pages: number }>(
    `SELECT (pg_relation_size(format('%I.%I', $1::text, $2::text)::regclass) / current_setting('block_size')::int)::int AS pages`, [schema, table]);
  const pages = rows[0]?.pages ?? 0;
  if (workers <= 1 || pages < SPLIT_MIN_PAGES) return [undefined];
  const step = Math.ceil(pages / workers);
  return Array.from({ length: workers }, (_, i) => {
    const from = i === 0 ? undefined : `t.ctid >= '(${i * step},0)'::tid`;
    const to = i === workers - 1 ? undefined : `t.ctid < '(${(i + 1) * step},0)'::tid`;
    return [from, to].filter((bound) => bound !== undefined).join(' AND ');
  });
}
