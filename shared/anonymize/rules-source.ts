import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlDocument, yamlLineLocator } from '../config/load';
import { ConfigError } from '../errors';
import type { RulesSource } from './rule-problems';
import { rulesSchema } from './rules-schema';

/*
 * Rules files (YAML) for the CLI and the local runner. What works on rules already parsed (RulesSource,
 * rulesOfConfig, ruleProblem: the Lambdas' path) is in rule-problems.ts, which imports no YAML parser;
 * it is re-exported here for the callers that read rules files too.
 */
export { ruleProblem, rulesOfConfig, type RulesSource } from './rule-problems';

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
