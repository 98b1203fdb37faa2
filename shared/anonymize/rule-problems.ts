import { formatPath, type LineLocator } from '../config/problems';
import type { Config } from '../config/schema';
import { configSectionSource } from '../config/section-sources';
import type { InputProblem } from '../errors';
import type { Rules } from './rules-schema';

/**
 * Rules together with where they came from, so a problem found later against the database (a column
 * type, a missing table) still points at the rules file's line.
 *
 * This module parses nothing: the rules are already validated objects (a rules file read by
 * `loadRulesFile`, or the config's `anonymize` section). It imports no YAML parser, so the anonymize
 * and verify Lambdas, whose rules come from the bundled JSON config, do not carry one.
 */
export interface RulesSource {
  readonly rules: Rules;
  readonly file?: string;
  readonly locate?: LineLocator;
  /** Where the rules sit inside their document: `[]` for a rules file, `['anonymize']` in the config. */
  readonly prefix: readonly string[];
}

/**
 * The rules of a config's `anonymize` section, located in the config file when the config's sections
 * were registered with their file (`loadConfig` for the local runner and the CLI; the Lambdas' bundled
 * config loader with the YAML's line map bundled at synth); otherwise problems carry the path only.
 */
export function rulesOfConfig(config: Pick<Config, 'anonymize'>): RulesSource {
  const where = configSectionSource(config.anonymize);
  return { rules: config.anonymize, prefix: where?.prefix ?? ['anonymize'], ...(where ? { file: where.file, locate: where.locate } : {}) };
}

/**
 * A problem at a path inside the rules, with the file and line when known. A column the rules do not
 * name (a column without a rule) has no line of its own: its table's line is given.
 */
export function ruleProblem(source: RulesSource, parts: readonly string[], message: string): InputProblem {
  const full = [...source.prefix, ...parts];
  const line = source.locate?.([...source.prefix, ...lineBearing(source.rules, parts)]);
  return {
    path: formatPath(full),
    message,
    ...(source.file === undefined ? {} : { file: source.file }),
    ...(line === undefined ? {} : { line }),
  };
}

/** `['tables', t, 'columns', c, ...]` for a column `c` the rules of `t` do not name becomes `['tables', t]`. */
function lineBearing(rules: Rules, parts: readonly string[]): readonly string[] {
  const [tables, table, columns, column] = parts;
  if (tables !== 'tables' || table === undefined || columns !== 'columns' || column === undefined) return parts;
  const rule = rules.tables[table];
  const named = rule !== undefined && rule !== 'truncate' && Object.hasOwn(rule.columns, column);
  return named ? parts : ['tables', table];
}
