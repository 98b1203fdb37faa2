import { DynamoDBClient, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { finishExecution } from '../../../shared/aws/finish';
import { RunLock, DEDUP_TTL_SECONDS } from '../../../shared/aws/run-lock';
import { stateMachineStarter } from '../../../shared/aws/start-run';
import { handleDeployEvent, type TriggerDeps } from '../../../shared/aws/trigger';
import type { RunLog } from '../../../shared/pipeline/log';
import { makeDeployEvent } from './factories';

const dynamo = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:rehearsal-support-bot-staging';
const HOUR = 3_600_000;

type Item = Record<string, AttributeValue>;
const conditionFailed = (): Error => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

/** DynamoDB's conditional semantics for the lock's own expressions, on one in-memory table. */
function fakeLockTable(): Map<string, Item> {
  const items = new Map<string, Item>();
  dynamo.on(PutItemCommand).callsFake((input: { Item: Item }) => {
    const pk = input.Item['pk']?.S ?? '';
    if (items.has(pk)) throw conditionFailed();
    items.set(pk, input.Item);
    return {};
  });
  dynamo.on(UpdateItemCommand).callsFake((input: { UpdateExpression: string; ExpressionAttributeValues: Item }) => {
    const item: Item = items.get('lock') ?? { pk: { S: 'lock' } };
    const v = input.ExpressionAttributeValues;
    const live = item['holder'] !== undefined && (item['lockedUntil']?.S ?? '') >= (v[':now']?.S ?? '');
    if (input.UpdateExpression.startsWith('SET holder')) {
      if (live) throw conditionFailed();
      items.set('lock', { ...item, holder: v[':run'] as AttributeValue, deployId: v[':deploy'] as AttributeValue, lockedUntil: v[':until'] as AttributeValue });
      return {};
    }
    if (input.UpdateExpression.startsWith('SET pendingDeployId')) {
      if (!live) throw conditionFailed();
      items.set('lock', { ...item, pendingDeployId: v[':deploy'] as AttributeValue, pendingSince: item['pendingSince'] ?? (v[':now'] as AttributeValue) });
      return {};
    }
    if (item['holder']?.S !== v[':run']?.S) throw conditionFailed();
    items.set('lock', { pk: { S: 'lock' } });
    return { Attributes: item };
  });
  return items;
}

function fakeStateMachine(): string[] {
  const names: string[] = [];
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => {
    if (names.includes(input.name)) throw Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
    names.push(input.name);
    return { executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}` };
  });
  return names;
}

function recordingLog(): RunLog & { lines: string[] } {
  const lines: string[] = [];
  const put = (message: string): void => void lines.push(message);
  return { lines, info: put, warn: put, error: put, progress: () => undefined };
}

function deps(log: RunLog, clock: { now: Date }): TriggerDeps {
  let run = 0;
  return {
    triggers: { codePipelines: ['support-bot-release'], codeDeploy: [], customEvents: true },
    lock: new RunLock(new DynamoDBClient({}), 'rehearsal-lock', () => clock.now),
    startRun: stateMachineStarter(new SFNClient({}), MACHINE),
    log,
    lockForMs: 12 * HOUR,
    newRunId: () => `run-${(run += 1)}`,
  };
}

const deploy = (executionId: string) => makeDeployEvent({ detail: { pipeline: 'support-bot-release', 'execution-id': executionId, state: 'SUCCEEDED' } });

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
});

describe('handleDeployEvent', () => {
  it('starts one run for a deploy delivered twice', async () => {
    fakeLockTable();
    const names = fakeStateMachine();
    const log = recordingLog();
    const clock = { now: new Date('2026-11-26T08:00:00Z') };

    const first = await handleDeployEvent(deploy('exec-1'), deps(log, clock));
    const again = await handleDeployEvent(deploy('exec-1'), deps(log, clock));

    expect(first).toMatchObject({ action: 'started', deployId: 'codepipeline:support-bot-release:exec-1', runId: 'run-1' });
    expect(again).toEqual({ action: 'duplicate', deployId: 'codepipeline:support-bot-release:exec-1' });
    expect(names).toHaveLength(1);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toEqual({
      runId: 'run-1', deployId: 'codepipeline:support-bot-release:exec-1', description: 'CodePipeline support-bot-release execution exec-1 succeeded', state: {}, results: {},
    });
  });

  it('records each deploy with a conditional put that expires after the redelivery window', async () => {
    fakeLockTable();
    fakeStateMachine();

    await handleDeployEvent(deploy('exec-1'), deps(recordingLog(), { now: new Date('2026-11-26T08:00:00Z') }));

    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'rehearsal-lock',
      Item: { pk: { S: 'deploy#codepipeline:support-bot-release:exec-1' }, receivedAt: { S: '2026-11-26T08:00:00.000Z' }, expiresAt: { N: String(Date.parse('2026-11-26T08:00:00Z') / 1000 + DEDUP_TTL_SECONDS) } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('coalesces deploys arriving during a run into one pending refresh: the newest', async () => {
    const items = fakeLockTable();
    const names = fakeStateMachine();
    const clock = { now: new Date('2026-11-26T08:00:00Z') };
    const log = recordingLog();

    await handleDeployEvent(deploy('exec-1'), deps(log, clock));
    const second = await handleDeployEvent(deploy('exec-2'), deps(log, clock));
    const third = await handleDeployEvent(deploy('exec-3'), deps(log, clock));

    expect([second.action, third.action]).toEqual(['queued', 'queued']);
    expect(names).toHaveLength(1);
    expect(items.get('lock')?.['pendingDeployId']).toEqual({ S: 'codepipeline:support-bot-release:exec-3' });
  });

  it('starts the pending refresh when the run finishes, and releases the lock when none is pending', async () => {
    const items = fakeLockTable();
    const names = fakeStateMachine();
    const clock = { now: new Date('2026-11-26T08:00:00Z') };
    const log = recordingLog();
    const d = deps(log, clock);
    await handleDeployEvent(deploy('exec-1'), d);
    await handleDeployEvent(deploy('exec-2'), d);
    const execution = { runId: 'run-1', deployId: 'codepipeline:support-bot-release:exec-1', results: { snapshot: { name: 'snapshot', status: 'passed', summary: 'ok', durationMs: 5, attempts: 1, figures: {} } } };
    const finishDeps = { lock: d.lock, startRun: d.startRun, log, lockForMs: d.lockForMs, dimensions: { Environment: 'staging', Bot: 'support-bot' } };

    const first = await finishExecution(execution, finishDeps);
    const second = await finishExecution({ ...execution, runId: first.result.next?.action === 'started' ? first.result.next.runId : 'x' }, finishDeps);

    expect(first.result.next).toMatchObject({ action: 'started', deployId: 'codepipeline:support-bot-release:exec-2' });
    expect(second.result.next).toBeUndefined();
    expect(names).toHaveLength(2);
    expect(items.get('lock')).toEqual({ pk: { S: 'lock' } });
    expect(first.metrics.map((m) => m.name)).toContain('RefreshSucceeded');
  });

  it('takes over a lock whose run died (past lockedUntil)', async () => {
    fakeLockTable();
    fakeStateMachine();
    const clock = { now: new Date('2026-11-26T08:00:00Z') };
    const log = recordingLog();
    await handleDeployEvent(deploy('exec-1'), deps(log, clock));

    clock.now = new Date('2026-11-26T21:00:00Z');
    const later = await handleDeployEvent(deploy('exec-2'), deps(log, clock));

    expect(later.action).toBe('started');
  });

  it('rejects an unrelated event with a logged reason and touches nothing', async () => {
    const log = recordingLog();

    const result = await handleDeployEvent(makeDeployEvent({ source: 'aws.s3', 'detail-type': 'Object Created' }), deps(log, { now: new Date() }));

    expect(result).toEqual({ action: 'rejected', reason: 'unrelated event: source "aws.s3", detail-type "Object Created"' });
    expect(log.lines).toEqual(['event rejected: unrelated event: source "aws.s3", detail-type "Object Created"']);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('releases the lock when the execution cannot be started, so the next deploy is not blocked', async () => {
    const items = fakeLockTable();
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(handleDeployEvent(deploy('exec-1'), deps(recordingLog(), { now: new Date() }))).rejects.toThrow('starting the refresh for codepipeline:support-bot-release:exec-1 failed: AccessDeniedException');
    expect(items.get('lock')).toEqual({ pk: { S: 'lock' } });
  });
});

describe('finishExecution', () => {
  it('reports a failed run for on-call with what failed, records RefreshFailed, and releases the lock', async () => {
    const items = fakeLockTable();
    fakeStateMachine();
    const clock = { now: new Date('2026-11-26T08:00:00Z') };
    const d = deps(recordingLog(), clock);
    await handleDeployEvent(deploy('exec-1'), d);
    const execution = {
      runId: 'run-1', deployId: 'codepipeline:support-bot-release:exec-1', description: 'CodePipeline support-bot-release execution exec-1 succeeded',
      results: { snapshot: { name: 'snapshot', status: 'failed', summary: 'creating snapshot failed: AccessDenied', durationMs: 5, attempts: 1, figures: {} } },
      settlement: { action: 'none', detail: 'nothing to settle' },
    };

    const { result, metrics } = await finishExecution(execution, { lock: d.lock, startRun: d.startRun, log: d.log, lockForMs: d.lockForMs, dimensions: { Environment: 'staging', Bot: 'support-bot' } });

    expect(result).toEqual({
      runId: 'run-1', status: 'failed',
      summary: 'rehearsal run run-1 FAILED (CodePipeline support-bot-release execution exec-1 succeeded): snapshot: creating snapshot failed: AccessDenied; staging none',
    });
    expect(metrics.map((m) => m.name)).toEqual(['PhaseDuration', 'PhaseFailed', 'RunDuration', 'RefreshFailed']);
    expect(items.get('lock')).toEqual({ pk: { S: 'lock' } });
  });

  it('keeps the end of a long failure in on-call\'s notification (the line saying the candidate was discarded), cutting its middle', async () => {
    fakeLockTable();
    fakeStateMachine();
    const d = deps(recordingLog(), { now: new Date('2026-11-26T08:00:00Z') });
    const said = `lost the connection between tables: ${'public.table_with_a_long_name, '.repeat(60)}none is half done`;
    const line = 'The pipeline ran anonymize 3 times, then stopped without promoting its candidate and discarded it';
    const execution = {
      runId: 'run-2', deployId: 'custom:2',
      results: { anonymize: { name: 'anonymize', status: 'failed', summary: `${said}\n${line}`, durationMs: 5, attempts: 3, figures: {} } },
      settlement: { action: 'discarded-candidate', detail: 'candidate removed' },
    };

    const { result } = await finishExecution(execution, { lock: d.lock, startRun: d.startRun, log: d.log, lockForMs: d.lockForMs, dimensions: { Environment: 'staging', Bot: 'support-bot' } });

    expect(result.summary).toMatch(/^rehearsal run run-2 FAILED \(custom:2\): anonymize: lost the connection between tables: public\.table_with_a_long_name, .* … .*\n.*; staging discarded-candidate$/s);
    expect(result.summary).toContain(line);
    expect(result.summary.length).toBeLessThan(said.length);
  });

  it('counts a run whose staging could not be settled as failed, even when every check passed', async () => {
    fakeLockTable();
    const d = deps(recordingLog(), { now: new Date() });
    const execution = { runId: 'run-9', deployId: 'custom:9', results: { publish: { name: 'publish', status: 'passed', summary: 'ok', durationMs: 1, attempts: 1, figures: {} } }, settleFailure: { Error: 'EnvironmentError', Cause: 'x' } };

    const { result, metrics } = await finishExecution(execution, { lock: d.lock, startRun: d.startRun, log: d.log, lockForMs: d.lockForMs, dimensions: { Environment: 'staging', Bot: 'support-bot' } });

    expect(result.status).toBe('failed');
    expect(result.summary).toContain('settling staging failed: EnvironmentError');
    expect(metrics.map((m) => m.name)).toContain('RefreshFailed');
    expect(metrics.map((m) => m.name)).not.toContain('RefreshSucceeded');
  });
});
