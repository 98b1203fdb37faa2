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
import { CheckFailedError, EnvironmentError } from '../../shared/errors';
import { MetricsRecorder } from '../../shared/metrics/recorder';
import type { RunLog } from '../../shared/pipeline/log';
import { outcome, type PhaseOutcome } from '../../shared/pipeline/outcome';
import type { PhaseDefinition } from '../../shared/pipeline/phase';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import type { PhaseName } from '../../shared/pipeline/report';
import { runPipeline } from '../../shared/pipeline/runner';
import { buildDefinition } from '../../infra/pipeline/state-machine-definition';
import { rdsConfig } from '../shared/aws/factories';
import { runDefinition } from './asl-interpreter';
import { definitionOf } from './synth';

mockClient(DynamoDBClient).on(UpdateItemCommand).resolves({});

/** What a scripted phase does on each call: pass, fail its check, wait, or throw a named error. */
type Step = 'pass' | 'fail' | 'pending' | 'throw-environment' | 'throw-check';
type Script = Partial<Record<PhaseName, Step[]>>;

/** The real phase table with each phase's work replaced by a script; names, retries, failure rules, timeouts, undo and commit kept. */
function scriptedTable(script: Script, calls: string[]): PhaseDefinition[] {
  const queues = new Map(Object.entries(structuredClone(script)) as [PhaseName, Step[]][]);
  return PHASE_TABLE.map((row) => ({
    ...row,
    run: async (): Promise<PhaseOutcome> => {
      const step = queues.get(row.name)?.shift() ?? 'pass';
      calls.push(`${row.name}:${step}`);
      if (step === 'throw-environment') throw new EnvironmentError(`${row.name} hiccuped`);
      if (step === 'throw-check') throw new CheckFailedError(`${row.name} found a problem`);
      if (step === 'pending') return outcome.pending(`${row.name} still working`, 1_000);
      return step === 'fail' ? outcome.failed(`${row.name} check failed`) : outcome.passed(`${row.name} done`);
    },
    ...(row.undo ? { undo: async () => { calls.push(`undo ${row.name}`); return `undid ${row.name}`; } } : {}),
    ...(row.commit ? { commit: async () => { calls.push(`commit ${row.name}`); return `committed ${row.name}`; } } : {}),
  }));
}

const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };
const config = rdsConfig();

async function runLocally(script: Script) {
  const calls: string[] = [];
  const report = await runPipeline(scriptedTable(script, calls), {
    runId: 'run-1', config, baseDir: '/tmp', outDir: '/tmp/out', providers: { database: undefined as never }, maskingKey: Buffer.alloc(0), state: {},
    metrics: new MetricsRecorder({}), log: silent,
  }, { sleep: async () => undefined });
  return { calls, statuses: Object.fromEntries(report.phases.map((p) => [p.name, p.status])), settlement: report.settlement.action, passed: report.status === 'passed' };
}

async function runInStepFunctions(script: Script) {
  const calls: string[] = [];
  const table = scriptedTable(script, calls);
  const stack = new Stack();
  const fn = (name: string) => LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
  const phases = Object.fromEntries(table.map((row) => [row.name, fn(row.name)])) as Record<PhaseName, ReturnType<typeof fn>>;
  const topic = Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:eu-west-1:123456789012:on-call');
  new StateMachine(stack, 'Machine', { definitionBody: DefinitionBody.fromChainable(buildDefinition(new Construct(stack, 'Definition'), table, { phases, settle: fn('settle'), finish: fn('finish') }, topic)) });
  const runtime: PhaseRuntime = { config, baseDir: '/tmp', outDir: '/tmp/out', providers: { database: undefined as never }, maskingKey: Buffer.alloc(0), log: silent };
  const notified: unknown[] = [];
  const lock = new RunLock(new DynamoDBClient({}), 'lock');

  const trace = await runDefinition(definitionOf(Template.fromStack(stack)), { runId: 'run-1', deployId: 'custom:1', state: {}, results: {} }, async (resource, payload) => {
    if (resource.kind === 'sns') return void notified.push(payload);
    const name = resource.functionName?.split(':').pop() ?? '';
    if (name === 'settle') return settleExecution(table, payload, runtime);
    if (name === 'finish') return (await finishExecution(payload, { lock, startRun: async () => false, log: silent, lockForMs: 1, dimensions: { Environment: 'staging', Bot: 'b' } })).result;
    const row = table.find((r) => r.name === name);
    if (!row) throw new Error(`unknown function ${name}`);
    return (await runPhaseStep(row, payload, runtime)).execution;
  });
  return { calls, trace, notified };
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
