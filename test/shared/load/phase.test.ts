import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseYamlDocument } from '../../../shared/config/load';
import { configSchema } from '../../../shared/config/schema';
import type { DatabaseProvider } from '../../../shared/db/provider';
import type { LoadReport } from '../../../shared/load/report';
import type { RunContext } from '../../../shared/pipeline/context';
import { runLoad } from '../../../shared/pipeline/phases/load';
import { makeConfigInput } from '../../support/config-factory';
import { makeRunContext } from '../../support/run-context';
import { botReplying, startServer, type TestServer } from '../converse/support/bot-server';
import { writeTree } from '../converse/support/files';

/** The load phase never touches a database. */
const noDatabase = {} as DatabaseProvider;

async function contextWith(sections: { converse?: unknown; load?: unknown }): Promise<RunContext> {
  const dir = await writeTree({ 'convos/hello.yaml': ['name: hello', 'turns:', '  - user: hi', '    expect: [{ contains: Hello }]', '  - user: bye', ''].join('\n') });
  const config = parseYamlDocument(stringify(makeConfigInput(sections as never)), configSchema);
  return { ...makeRunContext(noDatabase, { config, baseDir: dir, outDir: path.join(dir, 'report') }), results: [] };
}

describe('runLoad', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(botReplying(() => [{ text: 'Hello' }]));
  });
  afterEach(async () => server.close());

  it('is skipped without a load section', async () => {
    const ctx = await contextWith({});
    expect(await runLoad(ctx)).toEqual({ status: 'skipped', summary: 'no load section in the config' });
  });

  it('runs the conversations of converse as load, writes load.json and records latency distributions whose counts add up', async () => {
    // Prepare: load takes its target and convos from converse.
    const ctx = await contextWith({
      converse: { target: server.url, convos: ['convos/*.yaml'] },
      // A generous lag limit: this test is about the report, not about a busy test machine.
      load: { phases: [{ duration: '1s', arrivalRate: 10 }], maxEventLoopLag: '2s', thresholds: { errorRate: 0.01, checks: [{ check: 'p99 < 30s', each: 'turn' }] } },
    });
    // Act
    const result = await runLoad(ctx);
    // Assert
    expect(result).toMatchObject({ status: 'passed', figures: { requests: 20, errors: 0, valid: true, droppedArrivals: 0 } });
    const report = JSON.parse(await readFile(path.join(ctx.outDir, 'load.json'), 'utf8')) as LoadReport;
    expect(report).toMatchObject({ requests: 20, errors: 0, passed: true, mode: 'conversations' });
    expect(Object.keys(report.latency).sort()).toEqual(['count', 'max', 'mean', 'p50', 'p90', 'p95', 'p99']);
    expect(report.thresholds.map((item) => [item.check, item.scope])).toEqual([['errorRate < 1%', 'overall'], ['p99 < 30s', 'hello / turn 1'], ['p99 < 30s', 'hello / turn 2']]);
    const perTurn = ctx.metrics.all().filter((datum) => datum.name === 'ResponseTime' && datum.dimensions.Turn !== undefined);
    expect(perTurn.map((datum) => [datum.dimensions.Conversation, datum.dimensions.Turn, datum.counts?.reduce((sum, count) => sum + count, 0)])).toEqual([['hello', '1', 10], ['hello', '2', 10]]);
    expect(perTurn.every((datum) => datum.unit === 'Milliseconds' && (datum.counts?.length ?? 0) === datum.values.length)).toBe(true);
    // The throughput timeline the run report charts: one point per second, every turn counted once.
    const { timeline } = result.status === 'pending' ? { timeline: undefined } : (result.details as { timeline?: LoadReport['timeline'] });
    expect(timeline?.reduce((sum, point) => ({ requests: sum.requests + point.requests, errors: sum.errors + point.errors }), { requests: 0, errors: 0 })).toEqual({ requests: 20, errors: 0 });
    expect(timeline?.map((point) => point.t - (timeline[0]?.t ?? 0))).toEqual(timeline?.map((_point, second) => second * 1000));
    expect(report.timeline).toEqual(timeline);
  });

  it('in stress mode reports the capacity: the highest rate that held its thresholds', async () => {
    const ctx = await contextWith({
      converse: { target: server.url, convos: ['convos/*.yaml'] },
      load: { phases: [{ duration: '1s', arrivalRate: 1 }], maxEventLoopLag: '2s', stress: { startRate: 10, step: 10, stepDuration: '300ms', maxRate: 20 }, thresholds: { errorRate: 0.01 } },
    });
    const result = await runLoad(ctx);
    expect(result).toMatchObject({ status: 'passed', summary: 'capacity 20 arrivals/s', figures: { capacity: 20 } });
    const report = JSON.parse(await readFile(path.join(ctx.outDir, 'load.json'), 'utf8')) as { stress: { capacity: number; steps: Array<{ rate: number; passed: boolean }> } };
    expect(report.stress.steps.map((step) => [step.rate, step.passed])).toEqual([[10, true], [20, true]]);
    // The steps' timelines one after another: 3 then 6 users of two turns each.
    const timeline = result.status === 'pending' ? undefined : (result.details as { timeline?: LoadReport['timeline'] }).timeline;
    expect(timeline?.reduce((sum, point) => sum + point.requests, 0)).toBe(18);
    expect(timeline).toEqual((report.stress.steps as Array<{ timeline?: unknown[] }>).flatMap((step) => step.timeline ?? []));
  });

  it('fails naming the breached threshold and its actual value', async () => {
    const ctx = await contextWith({
      converse: { target: server.url, convos: ['convos/*.yaml'] },
      load: { phases: [{ duration: '500ms', arrivalRate: 10 }], thresholds: { checks: ['p50 < 0ms'] } },
    });
    const result = await runLoad(ctx);
    expect(result.status).toBe('failed');
    expect(result.summary).toMatch(/^load check failed: p50 < 0ms \(overall: [\d.]+ ms\)$/);
  });
});
