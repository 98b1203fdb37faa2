import path from 'node:path';
import { recordConverseMetrics, runConverseCheck, writeConverseOutputs } from '../../converse/check';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/**
 * Runs the scripted conversations of `converse` against the staging bot: passed when every
 * conversation passed. Writes `converse.json` and `converse-junit.xml` to the report folder and records
 * per-turn latencies. Bad convo files throw ConfigError before any traffic; an unreachable bot throws
 * EnvironmentError.
 */
export async function runConverse(ctx: RunContext): Promise<PhaseOutcome> {
  const config = ctx.config.converse;
  if (!config) return outcome.skipped('no converse section in the config');
  const report = await runConverseCheck({
    target: config.target, convos: config.convos, baseDir: ctx.baseDir, turnTimeoutMs: config.turnTimeout, concurrency: config.concurrency,
    ...(config.connector === undefined ? {} : { connectorFile: config.connector }),
    onConversation: (_report, done, total) => ctx.log.progress('conversations', done, total),
  });
  recordConverseMetrics(report, ctx.metrics);
  await writeConverseOutputs(report, { json: path.join(ctx.outDir, 'converse.json'), junit: path.join(ctx.outDir, 'converse-junit.xml') });
  const figures = {
    conversations: report.passed + report.failed, passed: report.passed, failed: report.failed,
    turnP50Ms: report.turnLatency.p50, turnP95Ms: report.turnLatency.p95,
  };
  if (report.failed === 0) return outcome.passed(`${report.passed} conversations passed (turn p95 ${report.turnLatency.p95} ms)`, figures);
  const failures = report.conversations.filter((conversation) => conversation.status === 'failed').map((conversation) => ({
    name: conversation.name, file: conversation.file, failure: conversation.failure, transcript: conversation.turns,
  }));
  const first = failures[0];
  const firstLine = first?.failure ? `; first: ${first.name} turn ${first.failure.turn}: ${first.failure.assertion} expected ${first.failure.expected}` : '';
  return outcome.failed(`${report.failed} of ${report.passed + report.failed} conversations failed${firstLine}`, figures, { failures });
}
