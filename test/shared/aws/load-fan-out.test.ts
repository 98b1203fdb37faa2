import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import path from 'node:path';
import { stringify } from 'yaml';
import { planLoadStep, type PlannedExecution } from '../../../shared/aws/load-fan-out';
import { mergeLoadStep } from '../../../shared/aws/load-merge-step';
import { loadResultKey, s3LoadResultStore } from '../../../shared/aws/load-results';
import type { PhaseRuntime } from '../../../shared/aws/phase-step';
import { parseYamlDocument } from '../../../shared/config/load';
import { configSchema, type Config } from '../../../shared/config/schema';
import { ConfigError, EnvironmentError } from '../../../shared/errors';
import { summarize } from '../../../shared/load/histograms';
import { LoadMeasurement } from '../../../shared/load/measurement';
import type { RunLog } from '../../../shared/pipeline/log';
import { runLoad } from '../../../shared/pipeline/phases/load';
import { makeConfigInput } from '../../support/config-factory';
import { botReplying, startServer, type TestServer } from '../converse/support/bot-server';
import { writeTree } from '../converse/support/files';
import { latencies } from '../../support/latencies';

const s3 = mockClient(S3Client);
const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };
const phase = { name: 'load', run: runLoad, timeoutMs: 3_600_000 } as const;
const NOW = 1_790_000_000_000;
const convo = ['name: hello', 'turns:', '  - user: hi', '    expect: [{ contains: Hello }]', '  - user: bye', ''].join('\n');

async function runtimeWith(load: unknown, files: Record<string, string> = { 'convos/hello.yaml': convo }): Promise<PhaseRuntime> {
  const dir = await writeTree(files);
  const config: Config = parseYamlDocument(stringify(makeConfigInput(load === undefined ? {} : { load } as never)), configSchema);
  return { config, baseDir: dir, outDir: path.join(dir, 'report'), providers: { database: undefined as never }, maskingKey: Buffer.alloc(0), log: silent, now: () => NOW };
}

const event = { execution: { runId: 'run-7', deployId: 'custom:7', state: {}, results: {} }, retryCount: 0 };

beforeEach(() => s3.reset());

describe('planLoadStep', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(botReplying(() => [{ text: 'Hello' }]));
  });
  afterEach(async () => server.close());

  it('splits the load into load.workers slices, with the conversations once and a result key per worker, and sends no traffic', async () => {
    // Prepare
    const runtime = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], workers: 3, connections: 7, phases: [{ duration: '2s', arrivalRate: 30 }], thresholds: { p95: '800ms', abortAfter: '5s' } });

    // Act
    const step = await planLoadStep(phase, event, runtime);

    // Assert
    const { loadPlan, clock, step: verdict } = step.execution as PlannedExecution;
    expect(loadPlan).toMatchObject({ runId: 'run-7', target: server.url, mode: 'conversations', checks: [{ metric: 'p95', operator: '<', limit: 800, source: 'p95 < 800ms', scope: {} }] });
    expect(loadPlan.convos.map((conversation) => [conversation.name, conversation.turns.length])).toEqual([['hello', 2]]);
    expect(loadPlan.items.map((item) => [item.slice.workerIndex, item.slice.workerCount, item.slice.connections, item.resultKey])).toEqual([
      [0, 3, 3, 'load-results/run-7/worker-00.json'], [1, 3, 3, 'load-results/run-7/worker-01.json'], [2, 3, 3, 'load-results/run-7/worker-02.json'],
    ]);
    expect(loadPlan.items[0]?.slice).toMatchObject({ phases: [{ durationMs: 2000, arrivalRate: 30 }], abortOn: { windowMs: 5000 } });
    expect(clock).toEqual({ phase: 'load', startedAt: NOW, polls: 1 });
    expect(verdict).toBeUndefined();
    expect(step.metrics).toEqual([]);
    expect(server.received).toHaveLength(0);
  });

  it('plans the first stress rate on every worker, with per-step result keys and errorRate < 1% when no threshold is set', async () => {
    const runtime = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], workers: 2, phases: [{ duration: '1s', arrivalRate: 1 }], stress: { startRate: 50, step: 25, stepDuration: '30s', maxRate: 200 } });

    const { loadPlan } = (await planLoadStep(phase, event, runtime)).execution as PlannedExecution;

    expect(loadPlan.stress).toEqual({ startRate: 50, step: 25, stepDurationMs: 30_000, maxRate: 200, index: 0, done: [] });
    expect(loadPlan.checks).toEqual([{ metric: 'errorRate', operator: '<', limit: 0.01, source: 'errorRate < 1%', scope: {} }]);
    expect(loadPlan.items.map((item) => [item.slice.workerIndex, item.slice.phases, item.resultKey])).toEqual([
      [0, [{ durationMs: 30_000, arrivalRate: 50 }], 'load-results/run-7/step-00/worker-00.json'],
      [1, [{ durationMs: 30_000, arrivalRate: 50 }], 'load-results/run-7/step-00/worker-01.json'],
    ]);
    expect(server.received).toHaveLength(0);
  });

  it('refuses a stress ramp that starts above its maximum, before any traffic', async () => {
    const runtime = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], phases: [{ duration: '1s', arrivalRate: 1 }], stress: { startRate: 300, step: 25, stepDuration: '30s', maxRate: 200 } });

    await expect(planLoadStep(phase, event, runtime)).rejects.toThrow(/load\.stress: stress mode would run no step: startRate must not exceed maxRate/);
    expect(server.received).toHaveLength(0);
  });

  it('refuses a schedule a worker Lambda cannot finish in 15 minutes, naming the key and the longest that fits', async () => {
    const phases = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], phases: [{ duration: '10m', arrivalRate: 1 }, { duration: '4m', arrivalRate: 1 }] });
    const stress = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], phases: [{ duration: '1s', arrivalRate: 1 }], requestTimeout: '10s', stress: { startRate: 10, step: 10, stepDuration: '14m', maxRate: 50 } });

    const [phasesError, stressError] = await Promise.all([phases, stress].map((runtime) => planLoadStep(phase, event, runtime).catch((caught: unknown) => caught)));

    expect((phasesError as ConfigError).problems).toEqual([{ path: 'load.phases', message: 'a worker Lambda would need 15.5 min (schedule 14.0 min, request timeout, warm-up and start-up) but runs at most 15.0 min: shorten the phases to at most 13.5 min' }]);
    expect((stressError as ConfigError).problems).toEqual([{ path: 'load.stress.stepDuration', message: 'a worker Lambda would need 15.2 min (schedule 14.0 min, request timeout, warm-up and start-up) but runs at most 15.0 min: shorten the step to at most 13.8 min' }]);
    expect(server.received).toHaveLength(0);
  });

  it('plans one worker when load.workers is not set', async () => {
    const runtime = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], phases: [{ duration: '1s', arrivalRate: 5 }] });

    const { loadPlan } = (await planLoadStep(phase, event, runtime)).execution as PlannedExecution;

    expect(loadPlan.items.map((item) => [item.slice.workerIndex, item.slice.workerCount])).toEqual([[0, 1]]);
  });

  it('runs the phase itself, without a plan, when there is no load section', async () => {
    const step = await planLoadStep(phase, event, await runtimeWith(undefined));

    expect(step.execution).not.toHaveProperty('loadPlan');
    expect(step.execution.results.load).toMatchObject({ status: 'skipped', summary: 'no load section in the config' });
    expect(step.execution.step).toEqual({ status: 'skipped' });
  });

  it('ends before any worker starts when the target does not answer', async () => {
    const closed = await startServer(botReplying(() => []));
    await closed.close();
    const runtime = await runtimeWith({ target: closed.url, convos: ['convos/*.yaml'], phases: [{ duration: '1s', arrivalRate: 5 }] });

    await expect(planLoadStep(phase, event, runtime)).rejects.toThrow(EnvironmentError);
  });

  it('refuses more workers than a Map state runs at once, before any traffic', async () => {
    const runtime = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], workers: 41, phases: [{ duration: '1s', arrivalRate: 5 }] });

    const error = await planLoadStep(phase, event, runtime).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ path: 'load.workers', message: '41 workers cannot all run at once in AWS: a Step Functions Inline Map state runs at most 40 iterations at a time; use at most 40' }]);
    expect(server.received).toHaveLength(0);
  });

  it('refuses a plan too big for a Step Functions state, saying what to change', async () => {
    const long = ['name: long', 'turns:', `  - user: ${'x'.repeat(210_000)}`, ''].join('\n');
    const runtime = await runtimeWith({ target: server.url, convos: ['convos/*.yaml'], phases: [{ duration: '1s', arrivalRate: 5 }] }, { 'convos/long.yaml': long });

    const error = await planLoadStep(phase, event, runtime).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/load: the load plan is 20\d KB, over the 200 KB that fits in a Step Functions state: use fewer workers/);
  });
});

describe('mergeLoadStep over results in S3', () => {
  const bucket = 'rehearsal-load-results';

  /** What the plan and the Map state leave in the document for `workers` workers. */
  function mergeEvent(workers: number) {
    const items = Array.from({ length: workers }, (_unused, workerIndex) => ({
      slice: { phases: [{ durationMs: 1000, arrivalRate: 8 }], workerIndex, workerCount: workers }, resultKey: loadResultKey('run-7', workerIndex),
    }));
    return {
      execution: {
        runId: 'run-7', deployId: 'custom:7', state: {}, results: {}, clock: { phase: 'load', startedAt: NOW - 65_000, polls: 1 },
        loadPlan: {
          runId: 'run-7', target: 'http://127.0.0.1:9/', mode: 'conversations', convos: [],
          checks: [{ metric: 'p99', operator: '<', limit: 2000, source: 'p99 < 2s', scope: {} }],
          items, results: items.map((item) => ({ workerIndex: item.slice.workerIndex, resultKey: item.resultKey })),
        },
      },
      retryCount: 0,
    };
  }

  it('merges the 8 workers\' results read back from the bucket into exactly the histogram of all samples, and returns the phase result', async () => {
    // Prepare: one measurement with every sample, and 8 workers with a share each, stored as the workers store them.
    const samples = latencies(4000, 11);
    const single = new LoadMeasurement();
    const workers = Array.from({ length: 8 }, () => new LoadMeasurement());
    samples.forEach((ms, index) => {
      single.record('order', 1, ms, ms / 2);
      workers[index % 8]?.record('order', 1, ms, ms / 2);
    });
    const stored = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => void stored.set(input.Key, input.Body));
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: { transformToString: async () => stored.get(input.Key) } }));
    const store = s3LoadResultStore(new S3Client({}), bucket);
    for (const [index, worker] of workers.entries()) await store.write(loadResultKey('run-7', index), worker.toResult(index, 8));
    const runtime = await runtimeWith(undefined);

    // Act
    const step = await mergeLoadStep(phase, mergeEvent(8), runtime, store);

    // Assert: exact S3 inputs, both ways.
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({ Bucket: bucket, Key: 'load-results/run-7/worker-00.json', Body: JSON.stringify(workers[0]?.toResult(0, 8)), ContentType: 'application/json' });
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual(Array.from({ length: 8 }, (_unused, index) => ({ Bucket: bucket, Key: `load-results/run-7/worker-0${index}.json` })));
    // The merged percentiles are the single histogram's, never an average of the workers'.
    const whole = summarize(single.combined(() => true).response);
    const load = step.execution.results.load;
    expect(load).toMatchObject({ name: 'load', status: 'passed', durationMs: 65_000, attempts: 1 });
    expect(load?.figures).toMatchObject({ requests: 4000, errors: 0, p50Ms: whole.p50, p95Ms: whole.p95, p99Ms: whole.p99 });
    const averaged = workers.map((worker) => summarize(worker.combined(() => true).response).p99).reduce((sum, p99) => sum + p99, 0) / 8;
    expect(averaged).not.toBe(whole.p99);
    expect(step.execution.step).toEqual({ status: 'passed' });
    expect(step.execution).not.toHaveProperty('loadPlan');
    const distribution = step.metrics.find((datum) => datum.name === 'ResponseTime' && datum.dimensions['Turn'] === '1');
    expect(distribution?.counts?.reduce((sum, count) => sum + count, 0)).toBe(4000);
  });

  it('fails the phase as the single Lambda does when a threshold breaks', async () => {
    const worker = new LoadMeasurement();
    for (const ms of latencies(200, 3)) worker.record('order', 1, ms + 3000, ms);
    const body = JSON.stringify(worker.toResult(0, 1));
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => body } } as never);

    const step = await mergeLoadStep(phase, mergeEvent(1), await runtimeWith(undefined), s3LoadResultStore(new S3Client({}), bucket));

    expect(step.execution.results.load).toMatchObject({ status: 'failed', summary: expect.stringMatching(/^load check failed: p99 < 2s \(overall: [\d.]+ ms\)$/) as unknown });
    expect(step.execution.step).toEqual({ status: 'failed' });
  });

  it('names the worker whose report is missing, before reading anything', async () => {
    const incomplete = mergeEvent(3);
    incomplete.execution.loadPlan.results.splice(1, 1);

    const error = await mergeLoadStep(phase, incomplete, await runtimeWith(undefined), s3LoadResultStore(new S3Client({}), bucket)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ path: 'event.execution.loadPlan.results', message: 'no report from worker 1 (expected its result at load-results/run-7/worker-01.json)' }]);
    expect(s3.calls()).toHaveLength(0);
  });

  it("counts each slice once: an object holding another slice's result fails the merge instead of counting that slice twice", async () => {
    // Prepare: worker 0's result stored under both keys (what a mixed-up or re-run slice could leave).
    const worker = new LoadMeasurement();
    for (const ms of latencies(50, 5)) worker.record('order', 1, ms, ms);
    const body = JSON.stringify(worker.toResult(0, 2));
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => body } } as never);

    // Act
    const error = await mergeLoadStep(phase, mergeEvent(2), await runtimeWith(undefined), s3LoadResultStore(new S3Client({}), bucket)).catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe("the load result at load-results/run-7/worker-01.json is worker 0 of 2's, not worker 1 of 2's: it would be counted twice");
  });

  it('counts each slice once: a plan naming a slice twice fails before reading anything', async () => {
    const twice = mergeEvent(2);
    const first = twice.execution.loadPlan.items[0];
    if (!first) throw new Error('mergeEvent gave no items');
    twice.execution.loadPlan.items.push(first);

    const error = await mergeLoadStep(phase, twice, await runtimeWith(undefined), s3LoadResultStore(new S3Client({}), bucket)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe('the load plan names worker 0 or its result load-results/run-7/worker-00.json twice: its traffic would be counted twice');
    expect(s3.calls()).toHaveLength(0);
  });

  it('reports a result the bucket does not have as an environment error naming the object', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));

    const error = await mergeLoadStep(phase, mergeEvent(1), await runtimeWith(undefined), s3LoadResultStore(new S3Client({}), bucket)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe(`could not read the load result s3://${bucket}/load-results/run-7/worker-00.json (NoSuchKey): did its worker finish?`);
  });
});
