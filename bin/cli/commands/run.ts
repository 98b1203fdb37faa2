import path from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { formatSummary, runLocally } from '../../../shared/pipeline/local-run';
import { parseCommandArgs, required } from '../args';
import type { Command } from '../io';
import { terminalLog } from '../terminal-log';

/** `rehearsal run --config FILE [--out DIR]`: runs the whole pipeline on this machine. */
export const runCommand: Command = {
  name: 'run',
  summary: 'Run the whole pipeline once with a config file',
  usage: [
    'Usage: rehearsal run --config FILE [--out DIR]',
    '  --config FILE  rehearsal.config.yaml to use',
    '  --out DIR      where report.json and metrics go (default rehearsal-report/)',
    'Exit codes: 0 every phase passed; 1 a phase failed (see report.json; staging kept or rolled back);',
    '2 bad config; 3 environment (a database or the bot unreachable).',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('run', argv, {
      config: { type: 'string' },
      out: { type: 'string', default: 'rehearsal-report' },
    });
    const loaded = await loadConfig(path.resolve(io.cwd, required('run', 'config', values.config)), io.env);
    const log = terminalLog(io.stderr);
    const report = await runLocally({
      loaded,
      outDir: path.resolve(io.cwd, values.out),
      env: io.env,
      log,
      onPhase: ({ phase, result }) => (result ? undefined : log.info(`${phase} ...`)),
    });
    io.stdout.write(formatSummary(report));
    return report.exitCode;
  },
};
