import path from 'node:path';
import { runConverseCheck, writeConverseOutputs } from '../../../shared/converse/check';
import type { ConverseReport } from '../../../shared/converse/run-conversations';
import { ExitCode, UsageError } from '../../../shared/errors';
import { parseCommandArgs, required } from '../args';
import type { Command } from '../io';

/** `rehearsal converse`: runs conversation files against a bot and prints each conversation's verdict. */
export const converseCommand: Command = {
  name: 'converse',
  summary: 'Run scripted conversations (YAML or Botium files) against a bot',
  usage: [
    'Usage: rehearsal converse --target URL --convos GLOB [--convos GLOB ...] [--connector FILE] [--junit FILE] [--json FILE]',
    '  --target URL        the bot\'s HTTP endpoint',
    '  --convos GLOB       conversation files: *.yaml, *.convo.txt (repeatable)',
    '  --connector FILE    how to talk to the bot (default: POST { conversationId, text })',
    '  --junit FILE        write JUnit XML',
    '  --json FILE         write the transcripts as JSON',
    '  --concurrency N     conversations at once (default 4)',
    'Exit codes: 0 every conversation passed; 1 one failed (an assertion or a latency budget); 2 bad usage or',
    'conversation files; 3 the bot unreachable.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('converse', argv, {
      target: { type: 'string' },
      convos: { type: 'string', multiple: true },
      connector: { type: 'string' },
      junit: { type: 'string' },
      json: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
    });
    const target = required('converse', 'target', values.target);
    if (!URL.canParse(target)) throw new UsageError(`rehearsal converse: --target ${JSON.stringify(target)} is not a URL`);
    const convos = values.convos ?? [];
    if (convos.length === 0) throw new UsageError('rehearsal converse: --convos is required');
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`rehearsal converse: --concurrency must be a positive integer, got ${values.concurrency}`);
    const report = await runConverseCheck({
      target, convos, baseDir: io.cwd, concurrency,
      ...(values.connector === undefined ? {} : { connectorFile: values.connector }),
    });
    const resolve = (file: string | undefined) => (file === undefined ? undefined : path.resolve(io.cwd, file));
    await writeConverseOutputs(report, { json: resolve(values.json), junit: resolve(values.junit) });
    io.stdout.write(formatConverseReport(report));
    return report.failed > 0 ? ExitCode.CheckFailed : ExitCode.Passed;
  },
};

/** One line per conversation, the first failure of each failed one, then the totals. */
export function formatConverseReport(report: ConverseReport): string {
  const lines = report.conversations.flatMap((conversation) => {
    const head = `${conversation.status === 'passed' ? 'ok  ' : 'FAIL'} ${conversation.name} (${conversation.turns.length} turns, ${Math.round(conversation.durationMs)} ms)`;
    const failure = conversation.failure;
    if (!failure) return [head];
    const where = failure.where ? `${failure.where.file}${failure.where.line === undefined ? '' : `:${failure.where.line}`}` : conversation.file;
    return [head, `     turn ${failure.turn} at ${where}: ${failure.assertion}`, `       expected: ${failure.expected}`, `       actual:   ${failure.actual}`];
  });
  return [...lines, `${report.passed} passed, ${report.failed} failed; turn latency p50 ${report.turnLatency.p50} ms, p95 ${report.turnLatency.p95} ms`, ''].join('\n');
}
