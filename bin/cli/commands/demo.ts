import path from 'node:path';
import { UsageError } from '../../../shared/errors';
import { formatSummary } from '../../../shared/pipeline/local-run';
import { runDemo } from '../../../examples/demo/run-demo';
import { parseCommandArgs } from '../args';
import type { Command } from '../io';
import { terminalLog } from '../terminal-log';

/** `rehearsal demo`: the whole pipeline on this machine against an embedded PostgreSQL and the example bot. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the whole pipeline on this machine: embedded PostgreSQL, generated data, example bot',
  usage: [
    'Usage: rehearsal demo [--scale N] [--out DIR]',
    '  --scale N   data size: 1 = 100,000 messages (default 1; 0.01 to 100)',
    '  --out DIR   where report.json, metrics and the demo workspace go (default rehearsal-report/)',
    'Exit codes: 0 every phase passed; 1 a phase failed (see report.json); 2 bad usage; 3 environment.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('demo', argv, {
      scale: { type: 'string', default: '1' },
      out: { type: 'string', default: 'rehearsal-report' },
    });
    const scale = Number(values.scale);
    if (!Number.isFinite(scale) || scale < 0.01 || scale > 100) {
      throw new UsageError(`rehearsal demo: --scale must be a number from 0.01 to 100, got ${JSON.stringify(values.scale)}`);
    }
    const { report } = await runDemo({ scale, outDir: path.resolve(io.cwd, values.out), log: terminalLog(io.stderr), env: io.env });
    io.stdout.write(formatSummary(report));
    return report.exitCode;
  },
};
