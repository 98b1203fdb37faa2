import type pg from 'pg';
import { checkedPlan } from '../anonymize/anonymize';
import { CoverageError } from '../anonymize/errors';
import { dropMaskSchema, keyMatches, maskSchemaExists, useMaskingKey } from '../anonymize/mask-schema';
import type { RulesSource } from '../anonymize/rules-source';
import { withClient } from '../db/client';
import { CheckFailedError } from '../errors';
import { findingsSql } from './cells';
import { phraseSearchOf } from '../anonymize/known-values';

/** One thing verify found: where, and what kind; never the value. */
export interface Finding {
  readonly table: string;
  readonly column: string;
  /** The row: `id=42` (primary key columns), or `ctid=(0,1)` for a table without one; empty for a column-level finding. */
  readonly key: string;
  readonly kind: string;
}

export interface VerifyOptions {
  readonly connection: pg.ClientConfig;
  readonly source: RulesSource;
  readonly key: Buffer;
  readonly schemas?: readonly string[];
  /** The most findings to collect (default 1000): one is enough to fail, a thousand enough to fix. */
  readonly limit?: number;
  /** Drop the mask schema and its fingerprints when verify passes (default true). */
  readonly dropOnPass?: boolean;
}

export interface VerifyResult {
  readonly findings: readonly Finding[];
  readonly tablesScanned: number;
  readonly fingerprintsDropped: boolean;
}

/**
 * Proves no personal value survived: fails on any column without a rule, any original value of a
 * masked column (by keyed fingerprint) in any text-like or JSON column, and any PII the detectors find
 * outside reserved fake ranges. Needs the fingerprints anonymize took, and the same key. On a pass the
 * fingerprints are dropped.
 */
export async function verifyDatabase(options: VerifyOptions): Promise<VerifyResult> {
  const limit = options.limit ?? 1000;
  return withClient(options.connection, async (client) => {
    const findings: Finding[] = [];
    let plan;
    try {
      plan = await checkedPlan(client, options.source, options.schemas);
    } catch (error) {
      if (!(error instanceof CoverageError)) throw error;
      for (const id of error.unclassified) findings.push({ ...splitColumn(id), key: '', kind: 'column has no rule' });
      for (const id of error.dangling) findings.push({ ...splitColumn(id), key: '', kind: 'rule names a missing table or column' });
      return { findings, tablesScanned: 0, fingerprintsDropped: false };
    }
    if (!(await maskSchemaExists(client))) {
      throw new CheckFailedError('no fingerprints to verify against: run anonymize on this database first (a passing verify drops them, so verify runs once per masking)');
    }
    await useMaskingKey(client, options.key);
    if (!(await keyMatches(client))) {
      throw new CheckFailedError('the masking key differs from the one anonymize used: verify needs the same key to recognise original values');
    }
    // Phrases are searched only when streets, cities, usernames or postcodes were masked (known_values says how long they run).
    const phrases = await phraseSearchOf(client);
    let tablesScanned = 0;
    for (const table of plan.tables) {
      if (findings.length >= limit) break;
      const sql = findingsSql(table, limit - findings.length, phrases);
      if (!sql) continue;
      tablesScanned += 1;
      const { rows } = await client.query<{ row_key: string; col: string; finding: string }>(sql);
      for (const row of rows) findings.push({ table: table.table.qualified, column: row.col, key: row.row_key, kind: row.finding });
    }
    const drop = findings.length === 0 && (options.dropOnPass ?? true);
    if (drop) await dropMaskSchema(client);
    return { findings, tablesScanned, fingerprintsDropped: drop };
  });
}

function splitColumn(id: string): { table: string; column: string } {
  const parts = id.split('.');
  if (parts.length >= 3) return { table: parts.slice(0, 2).join('.'), column: parts.slice(2).join('.') };
  return { table: id, column: '' };
}
