import path from 'node:path';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { dryRun, formatDryRun } from '../../../shared/anonymize/dry-run';
import { assertMarkedCopy, assertNotProduction } from '../../../shared/anonymize/production-check';
import { loadRulesFile } from '../../../shared/anonymize/rules-source';
import { loadConfig } from '../../../shared/config/load';
import { ExitCode } from '../../../shared/errors';
import { parseCommandArgs, required } from '../args';
import type { Command } from '../io';
import { databaseUrl, keyFor } from './mask-args';

/** `rehearsal anonymize`: masks a candidate database in place, or shows what it would do. */
export const anonymizeCommand: Command = {
  name: 'anonymize',
  summary: 'Mask a copy of the database in place with a rules file (fail closed)',
  usage: [
    'Usage: rehearsal anonymize --database-url URL --rules FILE [--config FILE] [--key-file FILE] [--schema NAME]... [--dry-run] [--json]',
    '  --database-url URL  the copy to mask (never production)',
    '  --rules FILE        rules file (YAML or JSON); every column must have a rule',
    '  --config FILE       rehearsal.config.yaml, to refuse the database it names as production, by any of its names',
    "  The database must be marked as a copy (rehearsal's candidates are): COMMENT ON DATABASE <copy> IS 'rehearsal:copy'",
    '  --key-file FILE     masking key file (default: the REHEARSAL_MASKING_KEY environment variable)',
    '  --schema NAME       only these schemas (repeatable; default: every schema); verify still',
    '                      searches the others for originals and PII',
    '  --dry-run           print the plan and before/after samples; change nothing',
    '  --json              print { "tables": [{ "table", "rows", "durationMs" }] }',
    '  A copy anonymized already is left as it is: with the same rules and key nothing changes (exit 0), with',
    '  others it is refused (exit 2): masking its fakes again would break their joins with other copies.',
    'Exit codes: 0 masked; 1 a column without a rule or a table that failed; 2 bad usage or rules; 3 environment',
    '  (a lost connection too: the message says what committed, and running the command again resumes).',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('anonymize', argv, {
      'database-url': { type: 'string' },
      rules: { type: 'string' },
      config: { type: 'string' },
      'key-file': { type: 'string' },
      schema: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const url = databaseUrl('anonymize', values['database-url']);
    const source = await loadRulesFile(path.resolve(io.cwd, required('anonymize', 'rules', values.rules)), io.env);
    const connection = { connectionString: url };
    // Both guards: the config's production by any of its names, and (to change anything) the copy's own mark.
    if (values.config !== undefined) await assertNotProduction(url, (await loadConfig(path.resolve(io.cwd, values.config), io.env)).config);
    if (!values['dry-run']) await assertMarkedCopy(connection);
    const key = await keyFor(values, io);
    if (values['dry-run']) {
      const result = await dryRun(connection, source, key, { schemas: values.schema ?? [] });
      const already = result.already ? { alreadyAnonymized: result.already } : {};
      io.stdout.write(values.json ? `${JSON.stringify({ dryRun: true, methods: [...result.methods].map(([table, method]) => ({ table, ...method })), besides: result.besides, samples: result.samples, ...already }, null, 2)}\n` : formatDryRun(result));
      return ExitCode.Passed;
    }
    const result = await anonymizeDatabase({
      connection, source, key, schemas: values.schema ?? [],
      onTable: (figure) => (values.json ? undefined : io.stderr.write(`masked ${figure.table}: ${figure.rows} rows in ${figure.durationMs} ms\n`)),
    });
    if (result.already) {
      const { finishedAt, verifiedAt } = result.already;
      if (values.json) io.stdout.write(`${JSON.stringify({ tables: [], alreadyAnonymized: result.already })}\n`);
      else io.stdout.write(verifiedAt === undefined
        ? `already anonymized with these rules and key at ${finishedAt}; nothing changed; run rehearsal verify next\n`
        : `already anonymized with these rules and key at ${finishedAt}, and verified at ${verifiedAt}; nothing changed\n`);
      return ExitCode.Passed;
    }
    const tables = result.progress.tables.map(({ table, rows, durationMs }) => ({ table, rows, durationMs }));
    const { detached = [] } = result.progress;
    if (!values.json && detached.length > 0) io.stderr.write(`cut ties the copy kept from production: ${detached.join('; ')}\n`);
    const { largeObjectsUnlinked } = result.progress;
    if (!values.json && largeObjectsUnlinked !== undefined) io.stderr.write(`unlinked ${largeObjectsUnlinked} large object(s) no kept column refers to\n`);
    if (values.json) io.stdout.write(`${JSON.stringify({ tables })}\n`);
    else io.stdout.write(`masked ${tables.reduce((sum, table) => sum + table.rows, 0)} rows in ${tables.length} tables${result.plan.truncated.length > 0 ? `, truncated ${result.plan.truncated.join(', ')}` : ''}; run rehearsal verify next\n`);
    return ExitCode.Passed;
  },
};
