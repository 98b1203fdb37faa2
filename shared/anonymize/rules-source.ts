import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { configSectionSource, parseYamlDocument, yamlLineLocator } from '../config/load';
import { formatPath, type LineLocator } from '../config/problems';
import type { Config } from '../config/schema';
import { ConfigError, type InputProblem } from '../errors';
import { rulesSchema, type Rules } from './rules-schema';

/**
 * Rules together with where they came from, so a problem found later against the database (a column
 * type, a missing table) still points at the rules file's line.
 */
export interface RulesSource {
  readonly rules: Rules;
  readonly file?: string;
  readonly locate?: LineLocator;
  /** Where the rules sit inside their document: `[]` for a rules file, `['anonymize']` in the config. */
  readonly prefix: readonly string[];
}

/** Reads and validates a rules file. Throws {@link ConfigError} (exit 2) with file:line per problem. */
export async function loadRulesFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<RulesSource> {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = await readFile(resolved, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ path: '', file: resolved, message: `cannot read the rules file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }], { cause });
  }
  return parseRulesText(text, resolved, env);
}

/** Validates rules given as text (YAML or JSON). */
export function parseRulesText(text: string, file?: string, env: NodeJS.ProcessEnv = process.env): RulesSource {
  const rules = parseYamlDocument(text, rulesSchema, { ...(file === undefined ? {} : { file }), env });
  return { rules, ...(file === undefined ? {} : { file }), locate: yamlLineLocator(text), prefix: [] };
}

/**
 * The rules of a config's `anonymize` section, located in the config file when the config was loaded
 * from one by `loadConfig` (the local runner, the CLI); without a file (a bundled JSON config) problems
 * carry the path only.
 */
export function rulesOfConfig(config: Pick<Config, 'anonymize'>): RulesSource {
  const where = configSectionSource(config.anonymize);
  return { rules: config.anonymize, prefix: where?.prefix ?? ['anonymize'], ...(where ? { file: where.file, locate: where.locate } : {}) };
}

/** The rules of a loaded config, located in its file when the file's text is at hand. */
export async function rulesFromConfig(config: Config, file?: string): Promise<RulesSource> {
  if (file === undefined) return { rules: config.anonymize, prefix: ['anonymize'] };
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return { rules: config.anonymize, file, ...(text === undefined ? {} : { locate: yamlLineLocator(text) }), prefix: ['anonymize'] };
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
