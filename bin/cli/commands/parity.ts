import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, parseYamlDocument } from '../../../shared/config/load';
import { ConfigError, ExitCode, UsageError } from '../../../shared/errors';
import { checkParity } from '../../../shared/parity/check';
import { policySchema, type ParityPolicy, type ProbeConfig } from '../../../shared/parity/config-schema';
import { fingerprinter } from '../../../shared/parity/fingerprint';
import { parityJson, parityText } from '../../../shared/parity/format';
import { guardedAwsClients, parityClientGuards } from '../../../shared/parity/sources/aws-clients';
import { envFileSource } from '../../../shared/parity/sources/env-file';
import { paritySources, type AwsClientFactory } from '../../../shared/parity/sources';
import { jsonFileSource } from '../../../shared/parity/sources/json-file';
import type { ConfigSource } from '../../../shared/parity/sources/source';
import { parseCommandArgs } from '../args';
import type { Command } from '../io';

const USAGE = [
  'Usage: rehearsal parity --config FILE [--json] [--apply]',
  '       rehearsal parity --production FILE --staging FILE --policy FILE [--json] [--apply]',
  '  --config FILE      rehearsal.config.yaml with a parity section',
  '  --production FILE  production env (.env) or JSON (.json) file',
  '  --staging FILE     staging env or JSON file',
  '  --policy FILE      policy file: { keys: { "DB_*": copy, "*_API_KEY": mustDiffer, ... } }',
  '  --json             print { "drift": [{ "key", "kind" }] } (kind: missing, differs, leakedSecret, extra)',
  '  --apply            fix what is safe in staging (copy keys, overrides); never copies a secret',
  'Exit codes: 0 in policy; 1 drift, a leaked secret or a failed key probe; 2 bad usage or config; 3 a source or probe unreachable.',
].join('\n');

/** Builds `rehearsal parity` with its AWS clients and fetch injected (tests pass mocks). */
export function createParityCommand(deps: { aws?: AwsClientFactory; fetch?: typeof fetch } = {}): Command {
  return {
    name: 'parity',
    summary: "Compare staging's config and secrets with production's under a policy",
    usage: USAGE,
    async run(argv, io) {
      const { values } = parseCommandArgs('parity', argv, {
        config: { type: 'string' },
        production: { type: 'string' },
        staging: { type: 'string' },
        policy: { type: 'string' },
        json: { type: 'boolean', default: false },
        apply: { type: 'boolean', default: false },
      });
      const files = [values.production, values.staging, values.policy];
      let production: ConfigSource;
      let staging: ConfigSource;
      let policy: ParityPolicy;
      let probes: readonly ProbeConfig[] = [];
      let policyFile: string | undefined;
      if (values.config !== undefined) {
        if (files.some((file) => file !== undefined)) throw new UsageError('rehearsal parity: use either --config or --production, --staging and --policy, not both');
        const loaded = await loadConfig(path.resolve(io.cwd, values.config), io.env);
        const parity = loaded.config.parity;
        if (!parity) throw new ConfigError([{ file: loaded.file, path: 'parity', message: 'the config has no parity section' }]);
        // The clients are created here, the composition root, each guarded against production's targets;
        // the sources check every write's targets again before sending anything.
        const aws = deps.aws ?? guardedAwsClients(parityClientGuards(parity, loaded.config));
        ({ production, staging } = paritySources(parity, loaded.baseDir, aws));
        policy = parity.policy;
        probes = parity.probes;
        policyFile = loaded.file;
      } else {
        const [productionFile, stagingFile, policyPath] = files;
        if (productionFile === undefined || stagingFile === undefined || policyPath === undefined) {
          throw new UsageError('rehearsal parity: give --config FILE, or all of --production, --staging and --policy');
        }
        production = fileSource(path.resolve(io.cwd, productionFile), productionFile);
        staging = fileSource(path.resolve(io.cwd, stagingFile), stagingFile);
        policyFile = path.resolve(io.cwd, policyPath);
        policy = await readPolicy(policyFile, io.env);
      }
      const result = await checkParity({
        production, staging, policy, probes, fingerprint: fingerprinter(), apply: values.apply, policyFile,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      if (values.json) {
        io.stdout.write(parityJson(result));
        for (const warning of result.warnings) io.stderr.write(`rehearsal parity: warning: ${warning}\n`);
      } else {
        io.stdout.write(parityText(result));
      }
      return result.passed ? ExitCode.Passed : ExitCode.CheckFailed;
    },
  };
}

/** `rehearsal parity`, with the real AWS clients. */
export const parityCommand = createParityCommand();

function fileSource(file: string, label: string): ConfigSource {
  return file.toLowerCase().endsWith('.json') ? jsonFileSource(file, label) : envFileSource(file, label);
}

async function readPolicy(file: string, env: NodeJS.ProcessEnv): Promise<ParityPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ file, path: '', message: `cannot read the policy file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }], { cause });
  }
  return parseYamlDocument(text, policySchema, { file, env });
}
