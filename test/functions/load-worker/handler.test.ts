import type { Context } from 'aws-lambda';
import { handler, loadWorker } from '../../../functions/load-worker/handler';
import { ConfigError } from '../../../shared/errors';
import { loadReportFromResults, mergeLoadResults, planLoadSlices } from '../../../shared/load/distributed';
import { MetricsRecorder } from '../../../shared/metrics/recorder';
import { decodeHistogram } from '../../../shared/load/histograms';
import { loadWorkerResultSchema } from '../../../shared/load/result-schema';
import type { LoadWorkerEventInput } from '../../../shared/load/worker-event';
import { botReplying, startServer, type TestServer } from '../../shared/converse/support/bot-server';

const convos = [{
  name: 'greet', tags: [], weight: 1, data: [], where: { file: 'greet.yaml', line: 1 },
  turns: [{ user: { kind: 'text', text: 'hi' }, expect: [{ kind: 'contains', values: ['hello'], mode: 'all' }], thinkMs: 0, capture: [], where: { file: 'greet.yaml', line: 3 } }],
}];

/** A Map state item: what Step Functions passes to one worker. */
function makeEvent(target: string, workerIndex: number, overrides: Partial<LoadWorkerEventInput> = {}): LoadWorkerEventInput {
  const slices = planLoadSlices({ phases: [{ durationMs: 500, arrivalRate: 20 }], connections: 4 }, 2);
  return { runId: 'run-1', target, slice: slices[workerIndex] ?? slices[0], convos, ...overrides } as LoadWorkerEventInput;
}

const context = { functionName: 'load-worker', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

describe('load-worker handler', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(botReplying(() => [{ text: 'hello there' }]));
  });
  afterEach(async () => server.close());

  it('runs its slice and returns encoded histograms that merge with the other worker\'s into the whole run', async () => {
    // Act: two workers, through JSON both ways as Step Functions does.
    const results = await Promise.all([0, 1].map(async (index) => JSON.parse(JSON.stringify(await handler(JSON.parse(JSON.stringify(makeEvent(server.url, index))), context))) as unknown));
    // Assert
    const [first, second] = results.map((result) => loadWorkerResultSchema.parse(result));
    expect([first?.workerIndex, first?.arrivals.launched, second?.workerIndex, second?.arrivals.launched]).toEqual([0, 5, 1, 5]);
    const merged = mergeLoadResults(results);
    expect(merged.series).toHaveLength(1);
    expect(merged.series[0]).toMatchObject({ conversation: 'greet', turn: 1, requests: 10, errors: 0 });
    expect(decodeHistogram(merged.series[0]?.response ?? '').totalCount).toBe(10);
    expect(server.received).toHaveLength(10);
    // The state machine's last step: one report and CloudWatch distributions from the merged histograms.
    const metrics = new MetricsRecorder({ Bot: 'support-bot' });
    const report = loadReportFromResults(results, {
      target: server.url, mode: 'conversations', metrics,
      checks: [{ metric: 'errorRate', operator: '<', limit: 0.01, source: 'errorRate < 1%', scope: {} }],
    });
    expect(report).toMatchObject({ workers: 2, requests: 10, errors: 0, sessions: { started: 10, passed: 10 }, thresholds: [{ check: 'errorRate < 1%', passed: true }] });
    const distribution = metrics.all().find((datum) => datum.name === 'ResponseTime' && datum.dimensions.Turn === '1');
    expect(distribution?.counts?.reduce((sum, count) => sum + count, 0)).toBe(10);
  });

  it('rejects a malformed event with ConfigError naming the field, sending nothing', async () => {
    const event = { ...makeEvent(server.url, 0), target: 'not a url' };
    const error = await loadWorker(event).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual(['event.target']);
    expect(server.received).toHaveLength(0);
  });
});
