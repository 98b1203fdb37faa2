import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Construct } from 'constructs';
import { finishExecution } from '../../shared/aws/finish';
import { runPhaseStep, type PhaseRuntime } from '../../shared/aws/phase-step';
import { RunLock } from '../../shared/aws/run-lock';
import { settleExecution } from '../../shared/aws/settle';
import { ConnectionLostError } from '../../shared/anonymize/errors';
import { CheckFailedError, EnvironmentError } from '../../shared/errors';
import { MetricsRecorder } from '../../shared/metrics/recorder';
import type { RunLog } from '../../shared/pipeline/log';
import { outcome, type PhaseOutcome } from '../../shared/pipeline/outcome';
import type { PhaseDefinition } from '../../shared/pipeline/phase';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import type { PhaseName } from '../../shared/pipeline/report';
import { runPipeline } from '../../shared/pipeline/runner';
import { buildDefinition } from '../../infra/pipeline/state-machine-definition';
import { createLoadWorker } from '../../functions/load-worker/handler';
import { planLoadStep } from '../../shared/aws/load-fan-out';
import { mergeLoadStep } from '../../shared/aws/load-merge-step';
import type { LoadResultStore } from '../../shared/aws/load-results';
import type { Config } from '../../shared/config/schema';
import { parseExecution, type Execution } from '../../shared/aws/execution';
import { stringify } from 'yaml';
import { awsConfigInput, parseConfig } from '../shared/aws/factories';
import { botReplying, startServer } from '../shared/converse/support/bot-server';
import { writeTree } from '../shared/converse/support/files';
import { rdsConfig } from '../shared/aws/factories';
import { runDefinition } from './asl-interpreter';
import { definitionOf } from './synth';

mockClient(DynamoDBClient).on(UpdateItemCommand).resolves({});

/** What a scripted phase does on each call: pass, fail its check, wait, or throw a named error. */
type Step = 'pass' | 'fail' | 'pending' | 'throw-environment' | 'throw-check' | 'throw-lost' | 'real';

/** What anonymize throws when its backend is terminated between table groups (as the server words it). */
const lostBetweenTables = (): ConnectionLostError => new ConnectionLostError(
  { step: 'between', done: 1, units: 2 }, { cause: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) });
type Script = Partial<Record<PhaseName, Step[]>>;

/** The real phase table with each phase's work replaced by a script; names, retries, failure rules, timeouts, undo and commit kept. */
function scriptedTable(script: Script, calls: string[]): PhaseDefinition[] {
  const queues = new Map(Object.entries(structuredClone(script)) as [PhaseName, Step[]][]);
  return PHASE_TABLE.map((row) => ({
    ...row,
    run: async (ctx): Promise<PhaseOutcome> => {
      const step = queues.get(row.name)?.shift() ?? 'pass';
      calls.push(`${row.name}:${step}`);
      if (step === 'real') return row.run(ctx);
      if (step === 'throw-environment') throw new EnvironmentError(`${row.name} hiccuped`);
      if (step === 'throw-check') throw new CheckFailedError(`${row.name} found a problem`);
      if (step === 'throw-lost') throw lostBetweenTables();
      if (step === 'pending') return outcome.pending(`${row.name} still working`, 1_000);
      return step === 'fail' ? outcome.failed(`${row.name} check failed`) : outcome.passed(`${row.name} done`);
    },
    ...(row.undo ? { undo: async () => { calls.push(`undo ${row.name}`); return `undid ${row.name}`; } } : {}),
    ...(row.commit ? { commit: async () => { calls.push(`commit ${row.name}`); return `committed ${row.name}`; } } : {}),
  }));
}

const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };
/** The config and folders a run uses; the scripted runs need no files. */
interface Setup { readonly config: Config; readonly baseDir: string; readonly outDir: string; readonly workerThrows?: Error }
const scripted: Setup = { config: rdsConfig(), baseDir: '/tmp', outDir: '/tmp/out' };

async function runLocally(script: Script, { config, baseDir, outDir }: Setup = scripted) {
  const calls: string[] = [];
  const report = await runPipeline(scriptedTable(script, calls), {
    runId: 'run-1', config, baseDir, outDir, providers: { database: undefined as never }, maskingKey: Buffer.alloc(0), state: {},
    metrics: new MetricsRecorder({}), log: silent,
  }, { sleep: async () => undefined });
  return { calls, statuses: Object.fromEntries(report.phases.map((p) => [p.name, p.status])), settlement: report.settlement.action, passed: report.status === 'passed', phases: report.phases };
}

async function runInStepFunctions(script: Script, { config, baseDir, outDir, workerThrows }: Setup = scripted) {
  const calls: string[] = [];
  const table = scriptedTable(script, calls);
  const stack = new Stack();
  const fn = (name: string) => LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
  const phases = Object.fromEntries(table.map((row) => [row.name, fn(row.name)])) as Record<PhaseName, ReturnType<typeof fn>>;
  const topic = Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:eu-west-1:123456789012:on-call');
  const loadFanOut = { worker: fn('load-worker'), merge: fn('load-merge') };
  new StateMachine(stack, 'Machine', { definitionBody: DefinitionBody.fromChainable(buildDefinition(new Construct(stack, 'Definition'), table, { phases, settle: fn('settle'), finish: fn('finish'), loadFanOut }, topic)) });
  const runtime: PhaseRuntime = { config, baseDir, outDir, providers: { database: undefined as never }, maskingKey: Buffer.alloc(0), log: silent };
  // The results bucket: what the workers write, the merge reads.
  const bucket = new Map<string, string>();
  const read = async (key: string): Promise<unknown> => JSON.parse(bucket.get(key) ?? 'null') as unknown;
  const store: LoadResultStore = { write: async (key, result) => void bucket.set(key, JSON.stringify(result)), read, find: async (key) => (bucket.has(key) ? read(key) : undefined),
    // S3's conditional put (IfNoneMatch: '*'): the workers' claims, so the interpreter runs them too.
    create: async (key, body) => !bucket.has(key) && Boolean(bucket.set(key, JSON.stringify(body))) };
  const loadRow = table.find((r) => r.name === 'load');
  let merged: Execution | undefined;
  let settled: Execution | undefined;
  const notified: unknown[] = [];
  const lock = new RunLock(new DynamoDBClient({}), 'lock');

  const trace = await runDefinition(definitionOf(Template.fromStack(stack)), { runId: 'run-1', deployId: 'custom:1', state: {}, results: {} }, async (resource, payload) => {
    if (resource.kind === 'sns') return void notified.push(payload);
    const name = resource.functionName?.split(':').pop() ?? '';
    if (name === 'settle') {
      settled = parseExecution(payload);
      return settleExecution(table, payload, runtime);
    }
    if (name === 'load-worker') {
      if (workerThrows) throw workerThrows;
      return createLoadWorker(() => store)(payload);
    }
    if (name === 'load-merge' && loadRow) return (merged = (await mergeLoadStep(loadRow, payload, runtime, store)).execution);
    if (name === 'load' && loadRow) return (await planLoadStep(loadRow, payload, runtime)).execution;
    if (name === 'finish') return (await finishExecution(payload, { lock, startRun: async () => false, log: silent, lockForMs: 1, dimensions: { Environment: 'staging', Bot: 'b' } })).result;
    const row = table.find((r) => r.name === name);
    if (!row) throw new Error(`unknown function ${name}`);
    return (await runPhaseStep(row, payload, runtime)).execution;
  });
  return { calls, trace, notified, merged, settled, bucket };
}

/** What the state machine did, read from the calls and the finish result, in the runner's terms. */
function statusesFromCalls(calls: readonly string[]): Record<string, string> {
  const last = new Map<string, string>();
  for (const call of calls) {
    const [name, step] = call.split(':');
    if (name && step) last.set(name, step);
  }
  return Object.fromEntries([...last].map(([name, step]) => [name, step === 'pass' ? 'passed' : 'failed']));
}

describe('the state machine and the local runner agree on the same phase table', () => {
  it.each<[string, Script]>([
    ['every phase passes, the snapshot after two waits', { snapshot: ['pending', 'pending', 'pass'] }],
    ['restore hiccups twice and is retried to success', { restore: ['throw-environment', 'throw-environment', 'pass'] }],
    ['verify fails its check (a stop phase)', { verify: ['fail'] }],
    ['promote throws a check failure (not retried)', { promote: ['throw-check'] }],
    ['converse fails (a continue phase): load still runs', { converse: ['fail'] }],
    ['snapshot throws past its retries', { snapshot: ['throw-environment', 'throw-environment', 'throw-environment'] }],
  ])('when %s', async (_label, script) => {
    // Act
    const local = await runLocally(script);
    const aws = await runInStepFunctions(script);

    // Assert: the same calls in the same order (phases, retries, polls, undo/commit), the same verdict.
    expect(aws.calls).toEqual(local.calls);
    const ranLocally = Object.fromEntries(Object.entries(local.statuses).filter(([, status]) => status !== 'not-run' && status !== 'skipped'));
    expect(statusesFromCalls(aws.calls)).toEqual(ranLocally);
    expect(aws.trace.status).toBe(local.passed ? 'SUCCEEDED' : 'FAILED');
    expect(aws.notified).toHaveLength(local.passed ? 0 : 1);
    expect(aws.trace.waits.every((seconds) => seconds === 1)).toBe(true);
  });
});

describe('a phase whose retries run out, once the candidate is discarded', () => {
  it("keeps the error's words and says under them, locally and in the on-call notification, that the candidate was discarded and how a run starts again", async () => {
    // Prepare: anonymize loses its connection on every attempt its policy allows.
    const script: Script = { anonymize: ['throw-lost', 'throw-lost', 'throw-lost'] };
    const said = lostBetweenTables().message;
    const line = (rerun: string) => 'The pipeline ran anonymize 3 times, then stopped without promoting its candidate and discarded it (staging untouched), '
      + `so nothing resumes on that copy: the next release, or ${rerun}, starts again from a fresh snapshot`;

    // Act
    const local = await runLocally(script);
    const aws = await runInStepFunctions(script);

    // Assert: each names its own way of starting again; the error's own words come first.
    expect(local.settlement).toBe('discarded-candidate');
    expect(local.phases.find((phase) => phase.name === 'anonymize')?.summary).toBe(`${said} (cause: terminating connection due to administrator command)\n${line('`rehearsal run --config FILE`')}`);
    expect(aws.notified).toHaveLength(1);
    expect(JSON.stringify(aws.notified[0])).toContain(JSON.stringify(`anonymize: ${said}\n${line('a refresh requested by hand (a `Manual Refresh Requested` event from `rehearsal.deploy`)')}; staging discarded-candidate`).slice(1, -1));
  });
});

describe('the load phase fanned out over worker Lambdas', () => {
  it('gives the local run\'s verdict and counts: two worker threads locally, a Map state of two worker Lambdas in AWS', async () => {
    // Prepare: a real bot, real conversations, a load section with two workers; every other phase passes.
    const server = await startServer(botReplying(() => [{ text: 'Hello' }]));
    try {
      const baseDir = await writeTree({ 'convos/hello.yaml': ['name: hello', 'turns:', '  - user: hi', '    expect: [{ contains: Hello }]', '  - user: bye', ''].join('\n') });
      const load = { target: server.url, convos: ['convos/*.yaml'], workers: 2, phases: [{ duration: '1s', arrivalRate: 10 }], maxEventLoopLag: '2s', thresholds: { errorRate: 0.01 } };
      const setup: Setup = { config: parseConfig({ ...awsConfigInput(), load } as never), baseDir, outDir: `${baseDir}/report` };
      expect(stringify(setup.config.load)).toContain('workers: 2');

      // Act
      const local = await runLocally({ load: ['real'] }, setup);
      const aws = await runInStepFunctions({ load: ['real'] }, setup);

      // Assert: the same phases and verdict; the merged load result counts what the local run counted.
      expect(aws.trace.visited).toEqual(expect.arrayContaining(['Load', 'Load Fan Out?', 'Load Workers', 'Load Merge', 'Load Done?']));
      expect(aws.calls.filter((call) => !call.startsWith('load:'))).toEqual(local.calls.filter((call) => !call.startsWith('load:')));
      expect(aws.trace.status).toBe('SUCCEEDED');
      const localLoad = local.phases.find((phase) => phase.name === 'load');
      const awsLoad = aws.merged?.results.load;
      expect(localLoad).toMatchObject({ status: 'passed', figures: { requests: 20, errors: 0, valid: true } });
      expect(awsLoad).toMatchObject({ status: localLoad?.status, figures: { requests: 20, errors: 0, valid: true, droppedArrivals: 0 } });
      expect(server.received).toHaveLength(40);
    } finally {
      await server.close();
    }
  });

  it('finds the same capacity in stress mode: a local ramp, and in AWS the Map state run again for each rate until one breaks', async () => {
    // Prepare: a bot that answers its first 10 requests and fails every later one, fresh for each run;
    // rates 5, 10, 15, 20 arrivals/s for 1 s each: 5 requests pass, the second step's last 5 fail.
    const bot = async () => {
      let answered = 0;
      return startServer((_request, response) => {
        answered += 1;
        response.statusCode = answered <= 10 ? 200 : 500;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ messages: [{ text: 'Hello' }] }));
      });
    };
    const baseDir = await writeTree({ 'convos/hello.yaml': ['name: hello', 'turns:', '  - user: hi', ''].join('\n') });
    const setupFor = (target: string): Setup => ({
      config: parseConfig({ ...awsConfigInput(), load: { target, convos: ['convos/*.yaml'], workers: 2, phases: [{ duration: '1s', arrivalRate: 1 }], maxEventLoopLag: '2s', stress: { startRate: 5, step: 5, stepDuration: '1s', maxRate: 20 } } } as never),
      baseDir, outDir: `${baseDir}/report`,
    });
    const [localBot, awsBot] = [await bot(), await bot()];
    try {
      // Act
      const local = await runLocally({ load: ['real'] }, setupFor(localBot.url));
      const aws = await runInStepFunctions({ load: ['real'] }, setupFor(awsBot.url));

      // Assert: two steps each way; in AWS the Map state ran twice, each step's results under its own keys.
      const localLoad = local.phases.find((phase) => phase.name === 'load');
      expect(localLoad).toMatchObject({ status: 'passed', figures: { capacity: 5 }, summary: expect.stringMatching(/^capacity 5 arrivals\/s; broke at 10\/s on errorRate < 1%/) as unknown });
      expect(aws.merged?.results.load).toMatchObject({ status: 'passed', figures: { capacity: 5 }, summary: localLoad?.summary });
      expect(aws.trace.visited.filter((state) => state === 'Load Workers')).toHaveLength(2);
      expect(aws.trace.visited.filter((state) => state === 'Load Next Step?')).toHaveLength(2);
      // Each step's workers claimed their slice (no traffic sent twice) and stored their result under the step's keys.
      expect([...aws.bucket.keys()].sort()).toEqual(['00', '01'].flatMap((step) => ['00', '01'].flatMap((worker) => [
        `load-results/run-1/step-${step}/worker-${worker}.json`, `load-results/run-1/step-${step}/worker-${worker}.of-02.claim.json`,
      ])));
      expect(localBot.received).toHaveLength(15);
      expect(awsBot.received).toHaveLength(15);
    } finally {
      await localBot.close();
      await awsBot.close();
    }
  });

  it('fails only the load phase when a worker Lambda fails, as a continue phase: the run goes on to settle and publish', async () => {
    // Prepare
    const server = await startServer(botReplying(() => [{ text: 'Hello' }]));
    try {
      const baseDir = await writeTree({ 'convos/hello.yaml': ['name: hello', 'turns:', '  - user: hi', ''].join('\n') });
      const load = { target: server.url, convos: ['convos/*.yaml'], workers: 2, phases: [{ duration: '1s', arrivalRate: 2 }] };
      const setup: Setup = { config: parseConfig({ ...awsConfigInput(), load } as never), baseDir, outDir: `${baseDir}/report`, workerThrows: new EnvironmentError('worker 1 lost the network') };

      // Act
      const aws = await runInStepFunctions({ load: ['real'] }, setup);

      // Assert
      expect(aws.trace.visited).toEqual(expect.arrayContaining(['Load Workers', 'Load Failed', 'Settle', 'Publish']));
      expect(aws.trace.visited).not.toContain('Load Merge');
      expect(aws.settled?.results.load).toMatchObject({ status: 'failed', summary: 'worker 1 lost the network', error: { name: 'EnvironmentError', exitCode: 3 } });
      expect(aws.calls).toEqual(expect.arrayContaining(['undo promote', 'publish:pass']));
      expect(aws.trace.status).toBe('FAILED');
    } finally {
      await server.close();
    }
  });
});
