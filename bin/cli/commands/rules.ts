import path from 'node:path';
import { readCatalog } from '../../../shared/anonymize/catalog';
import { buildPlan } from '../../../shared/anonymize/plan';
import { loadRulesFile } from '../../../shared/anonymize/rules-source';
import { suggestRules } from '../../../shared/anonymize/suggest';
import { withClient } from '../../../shared/db/client';
import { ConfigError, ExitCode, formatProblem, UsageError } from '../../../shared/errors';
import { parseCommandArgs, required } from '../args';
import type { Command, CliIO } from '../io';
import { databaseUrl } from './mask-args';

const USAGE = [
  'Usage: rehearsal rules suggest --database-url URL [--schema NAME]... [--sample N]',
  '       rehearsal rules check --database-url URL --rules FILE [--schema NAME]...',
  '  suggest  print a complete rules file: every column with a strategy and a comment saying why',
  '  check    exit 0 when the rules cover the schema exactly; 1 listing unclassified columns and dangling rules',
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
    throw new UsageError(`rehearsal rules: expected "suggest" or "check", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}`);
  },
};

async function suggest(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('rules suggest', argv, {
    'database-url': { type: 'string' },
    schema: { type: 'string', multiple: true },
    sample: { type: 'string', default: '200' },
  });
  const sample = Number(values.sample);
  if (!Number.isInteger(sample) || sample < 1) throw new UsageError('rehearsal rules suggest: --sample must be a positive whole number');
  const url = databaseUrl('rules suggest', values['database-url']);
  io.stdout.write(await suggestRules({ connectionString: url }, { schemas: values.schema ?? [], sample }));
  return ExitCode.Passed;
}

async function check(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('rules check', argv, {
    'database-url': { type: 'string' },
    rules: { type: 'string' },
    schema: { type: 'string', multiple: true },
  });
  const url = databaseUrl('rules check', values['database-url']);
  const source = await loadRulesFile(path.resolve(io.cwd, required('rules check', 'rules', values.rules)), io.env);
  const plan = await withClient({ connectionString: url }, async (client) => buildPlan(source, await readCatalog(client, values.schema ?? [])));
  const coverage = plan.unclassified.length + plan.dangling.length;
  if (plan.problems.length > coverage) {
    throw new ConfigError(plan.problems);
  }
  if (coverage === 0) {
    io.stdout.write(`the rules cover all ${plan.tables.reduce((sum, table) => sum + table.table.columns.length, 0)} columns of ${plan.tables.length} tables exactly\n`);
    return ExitCode.Passed;
  }
  io.stdout.write(`${plan.unclassified.length} unclassified column(s), ${plan.dangling.length} dangling rule(s):\n${plan.problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}\n`);
  return ExitCode.CheckFailed;
}
