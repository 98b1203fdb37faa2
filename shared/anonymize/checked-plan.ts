import type pg from 'pg';
import { isConnectionLost } from '../db/lost-connection';
import { ConfigError } from '../errors';
import { readCatalog, readOtherRelations } from './catalog';
import { CoverageError } from './errors';
import { buildPlan, qualifiedSql, type MaskPlan } from './plan';
import { ruleProblem, type RulesSource } from './rule-problems';
import { refuseHiddenRows } from './row-security';
import { setExpression } from './set-expression';
import { suggestedRules } from './suggest';

/*
 * The rules checked against the database before anything changes: every column classified, every rule
 * fitting its column, no row hidden by row-level security, every rule's SQL accepted by PostgreSQL.
 * Anonymize, its dry run and verify share these checks.
 */

/**
 * Reads the catalog and builds the plan; throws CoverageError (exit 1) or ConfigError (exit 2) on any
 * problem, RowSecurityError (exit 2) when row-level security would hide rows of any table from this
 * role. From here on the session reads with `row_security = off` (see row-security.ts). The
 * CoverageError carries the rules `rules suggest` would add for the unclassified columns (a sample read)
 * unless `suggest: false`.
 */
export async function checkedPlan(client: pg.Client, source: RulesSource, schemas: readonly string[] = [], options: { suggest?: boolean } = {}): Promise<MaskPlan> {
  const catalog = await readCatalog(client, schemas);
  const plan = buildPlan(source, catalog, await readOtherRelations(client));
  if (plan.problems.length === 0) {
    await refuseHiddenRows(client, plan);
    return plan;
  }
  const coverageOnly = plan.problems.length === plan.unclassified.length + plan.dangling.length;
  if (coverageOnly) {
    const suggested = options.suggest === false ? undefined : await suggestedRules(client, catalog, plan.unclassified, source);
    throw new CoverageError(plan.unclassified, plan.dangling, plan.problems, suggested);
  }
  throw new ConfigError(plan.problems);
}

/**
 * Plans every table's UPDATE without running it (`LIMIT 0`), so a fixed value that does not cast to
 * its column, or any expression PostgreSQL rejects, is reported with its rule's line before any row changes.
 */
export async function typeCheck(client: pg.Client, plan: MaskPlan, source: RulesSource): Promise<void> {
  const problems = [];
  for (const table of plan.tables) {
    for (const column of table.masked) {
      await client.query('SAVEPOINT rule_check');
      try {
        await client.query(`SELECT ${setExpression(column)} FROM ${qualifiedSql(table)} LIMIT 0`);
        await client.query('RELEASE SAVEPOINT rule_check');
      } catch (error) {
        if (isConnectionLost(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT rule_check');
        problems.push(ruleProblem(source, ['tables', table.table.qualified, 'columns', column.column.name], `the rule does not apply to ${column.column.sqlType}: ${(error as Error).message}`));
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
