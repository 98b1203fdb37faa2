import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readCatalog, readOtherRelations } from '../../../shared/anonymize/catalog';
import { buildPlan } from '../../../shared/anonymize/plan';
import { loadRulesFile } from '../../../shared/anonymize/rules-source';
import { suggestedRulesText } from '../../../shared/anonymize/errors';
import { addSuggestedRules } from '../../../shared/anonymize/rules-merge';
import { suggestColumns, suggestedRules, suggestRules } from '../../../shared/anonymize/suggest';
import { withClient } from '../../../shared/db/client';
import { ConfigError, ExitCode, formatProblem, UsageError } from '../../../shared/errors';
import { formatPath } from '../../../shared/config/problems';
import { closestName } from '../../../shared/util/closest-name';
import { parseCommandArgs, required } from '../args';
import type { Command, CliIO } from '../io';
import { databaseUrl } from './mask-args';

const USAGE = [
  'Usage: rehearsal rules suggest --database-url URL [--schema NAME]... [--sample N] [--rules FILE]',
  '       rehearsal rules check --database-url URL --rules FILE [--schema NAME]...',
  '  suggest  print a complete rules file: every column with a strategy and a comment saying why;',
  '           with --rules, print FILE with a rule added for each column it lacks (what a release added)',
  '  check    exit 0 when the rules cover the schema exactly; 1 listing unclassified columns and dangling rules',
  '',
  '  --database-url URL  the database to read (a restored copy; both only read it)',
  '  --schema NAME       only these schemas (repeatable; default: every schema but the system ones)',
  '  --sample N          suggest: rows sampled per table to look for PII in values (default 200)',
  '  --rules FILE        check: the rules to check; suggest: a rules file to add the missing rules to',
  'Exit codes: 0 suggested, or covered exactly; 1 check found columns without a rule (a rule suggested',
  'for each) or rules naming no column; 2 bad usage or rules; 3 environment.',
].join('\n');

/** `rehearsal rules suggest|check`: writes rules for a schema, or checks rules cover it exactly. */
export const rulesCommand: Command = {
  name: 'rules',
  summary: 'Suggest a rules file for a database, or check rules cover it exactly',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'suggest') return suggest(rest, io);
    if (sub === 'check') return check(rest, io);
    const meant = sub === undefined ? undefined : closestName(sub, ['suggest', 'check']);
    throw new UsageError(`rehearsal rules: expected "suggest" or "check", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}${meant === undefined ? '' : ` (did you mean ${meant}?)`}`);
  },
};

async function suggest(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('rules suggest', argv, {
    'database-url': { type: 'string' },
    schema: { type: 'string', multiple: true },
    sample: { type: 'string', default: '200' },
    rules: { type: 'string' },
  });
  const sample = /^[0-9]+$/.test(values.sample ?? '') ? Number(values.sample) : NaN;
  if (!Number.isSafeInteger(sample) || sample < 1) throw new UsageError(`rehearsal rules suggest: --sample must be a positive whole number written in digits, got ${JSON.stringify(values.sample)}`);
  const url = databaseUrl('rules suggest', values['database-url']);
  if (values.rules !== undefined) return suggestMissing(url, path.resolve(io.cwd, values.rules), values.schema ?? [], sample, io);
  io.stdout.write(await suggestRules({ connectionString: url }, { schemas: values.schema ?? [], sample }));
  return ExitCode.Passed;
}

/**
 * `rules suggest --rules FILE`: prints FILE with a suggested rule added for each column without one
 * (what a release added), every rule and comment already there kept; says on stderr what it added and
 * which rules it left that name no column.
 */
async function suggestMissing(url: string, file: string, schemas: readonly string[], sample: number, io: CliIO): Promise<number> {
  const source = await loadRulesFile(file, io.env);
  const text = await readFile(file, 'utf8');
  const { plan, suggestions } = await withClient({ connectionString: url }, async (client) => {
    const catalog = await readCatalog(client, schemas);
    const built = buildPlan(source, catalog, await readOtherRelations(client));
    return { plan: built, suggestions: await suggestColumns(client, catalog, built.unclassified, sample) };
  });
  io.stdout.write(addSuggestedRules(text, suggestions));
  const unclassified = new Set(plan.unclassified.map((id) => formatPath(['tables', ...splitColumnId(id)])));
  const others = plan.problems.filter((problem) => !unclassified.has(problem.path));
  io.stderr.write(suggestions.length === 0
    ? 'every column has a rule: nothing added\n'
    : `added a rule for ${suggestions.length} column(s) without one, each with its reason as a comment: review them before use\n`);
  if (others.length > 0) io.stderr.write(`left as they are (rules check reports them): ${others.length} problem(s):\n${others.map((problem) => `  ${formatProblem(problem)}`).join('\n')}\n`);
  return ExitCode.Passed;
}

/** `schema.table.column` as the path of its rule in a rules file, below `tables`. */
function splitColumnId(id: string): [string, string, string] {
  const [schema = '', table = '', ...column] = id.split('.');
  return [`${schema}.${table}`, 'columns', column.join('.')];
}

async function check(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('rules check', argv, {
    'database-url': { type: 'string' },
    rules: { type: 'string' },
    schema: { type: 'string', multiple: true },
  });
  const url = databaseUrl('rules check', values['database-url']);
  const source = await loadRulesFile(path.resolve(io.cwd, required('rules check', 'rules', values.rules)), io.env);
  const { plan, suggested } = await withClient({ connectionString: url }, async (client) => {
    const catalog = await readCatalog(client, values.schema ?? []);
    const built = buildPlan(source, catalog, await readOtherRelations(client));
    const coverageOnly = built.problems.length === built.unclassified.length + built.dangling.length;
    return { plan: built, suggested: coverageOnly ? await suggestedRules(client, catalog, built.unclassified, source) : undefined };
  });
  const coverage = plan.unclassified.length + plan.dangling.length;
  if (plan.problems.length > coverage) {
    throw new ConfigError(plan.problems);
  }
  if (coverage === 0) {
    io.stdout.write(`the rules cover all ${plan.tables.reduce((sum, table) => sum + table.table.columns.length, 0)} columns of ${plan.tables.length} tables exactly\n`);
    return ExitCode.Passed;
  }
  io.stdout.write(`${plan.unclassified.length} unclassified column(s), ${plan.dangling.length} dangling rule(s):\n${plan.problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}\n`);
  if (suggested) io.stdout.write(`${suggestedRulesText(suggested)}\n`);
  return ExitCode.CheckFailed;
}
