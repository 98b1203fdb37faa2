import path from 'node:path';
import { loadRulesFile } from '../../../shared/anonymize/rules-source';
import { ExitCode } from '../../../shared/errors';
import { describeFinding, verifyDatabase } from '../../../shared/verify/verify';
import { parseCommandArgs, required } from '../args';
import type { Command } from '../io';
import { databaseUrl, keyFor } from './mask-args';

/** `rehearsal verify`: proves no original value survived masking. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Prove no original, PII-shaped value or live credential survived masking',
  usage: [
    'Usage: rehearsal verify --database-url URL --rules FILE [--key-file FILE] [--schema NAME]... [--json]',
    '  --database-url URL  the masked database (anonymize must have run on it, with the same key)',
    '  --rules FILE        the rules anonymize used',
    '  --key-file FILE     masking key file (default: the REHEARSAL_MASKING_KEY environment variable)',
    '  --schema NAME       the schemas the rules cover (repeatable; default: every schema); tables',
    '                      outside them are still searched for originals and PII',
    '  --json              print { "findings": [{ "table", "column", "key", "kind" }] }',
    'Exit codes: 0 clean (fingerprints dropped); 1 findings; 2 bad usage or rules; 3 environment',
    '  (a lost connection too: nothing was changed, and running the command again searches again).',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('verify', argv, {
      'database-url': { type: 'string' },
      rules: { type: 'string' },
      'key-file': { type: 'string' },
      schema: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    });
    const url = databaseUrl('verify', values['database-url']);
    const source = await loadRulesFile(path.resolve(io.cwd, required('verify', 'rules', values.rules)), io.env);
    const key = await keyFor(values, io);
    const result = await verifyDatabase({ connection: { connectionString: url }, source, key, schemas: values.schema ?? [] });
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ findings: result.findings })}\n`);
    } else if (result.findings.length === 0) {
      io.stdout.write(`clean: no original, PII-shaped value or live credential in ${result.tablesScanned} tables; fingerprints dropped\n`);
    } else {
      io.stdout.write(`${result.findings.length} finding(s):\n${result.findings.map((finding) => `  ${describeFinding(finding)}`).join('\n')}\n`);
    }
    return result.findings.length === 0 ? ExitCode.Passed : ExitCode.CheckFailed;
  },
};
