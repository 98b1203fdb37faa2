import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Construct } from 'constructs';
import { finishExecution } from '../../shared/aws/finish';
import { runPhaseStep, type PhaseRuntime } from '../../shared/aws/phase-step';
import { RdsInstanceProvider } from '../../shared/aws/rds-instance-provider';
import { awsDeployment } from '../../shared/aws/resources';
import { RunLock } from '../../shared/aws/run-lock';
import { settleExecution } from '../../shared/aws/settle';
import { parseExecution, type Execution } from '../../shared/aws/execution';
import { MetricsRecorder } from '../../shared/metrics/recorder';
import type { RunLog } from '../../shared/pipeline/log';
import { outcome } from '../../shared/pipeline/outcome';
import type { PhaseDefinition } from '../../shared/pipeline/phase';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import type { PhaseName } from '../../shared/pipeline/report';
import { runPipeline } from '../../shared/pipeline/runner';
import { buildDefinition } from '../../infra/pipeline/state-machine-definition';
import { rdsConfig } from '../shared/aws/factories';
import { runDefinition } from './asl-interpreter';
import { definitionOf } from './synth';

const rds = mockClient(RDSClient);
const secrets = mockClient(SecretsManagerClient);
mockClient(DynamoDBClient).on(UpdateItemCommand).resolves({});

const RUN = 'run-1';
const CANDIDATE = 'rehearsal-support-cand-run1';
const STAGING = 'support-staging';
const PARKED = 'support-staging-previous-run1';
const config = rdsConfig({ swap: { mode: 'rename' } });
const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };

/**
 * RDS as the provider sees it: a rename moves the instance to its new identifier at once with status
 * `renaming`, and the next describe of it finds it `available` (so every rename costs one pending wait).
 */
function simulateRds(): Map<string, DBInstance> {
  const instances = new Map<string, DBInstance>();
  const add = (id: string, runId?: string): void => void instances.set(id, {
    DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`, DBInstanceStatus: 'available',
    Endpoint: { Address: `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`, Port: 5432 }, TagList: runId === undefined ? [] : [{ Key: 'rehearsal:run-id', Value: runId }],
  });
  add(STAGING);
  add(CANDIDATE, RUN);
  rds.reset();
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    if (!found) throw Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' });
    const seen = structuredClone(found);
    if (found.DBInstanceStatus === 'renaming') found.DBInstanceStatus = 'available';
    return { DBInstances: [seen] };
  });
  rds.on(ModifyDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string; NewDBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    if (!found) throw Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' });
    instances.delete(input.DBInstanceIdentifier);
    // An instance's ARN is built from its identifier: a rename gives it a new one.
    instances.set(input.NewDBInstanceIdentifier, {
      ...found, DBInstanceIdentifier: input.NewDBInstanceIdentifier, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${input.NewDBInstanceIdentifier}`, DBInstanceStatus: 'renaming',
    });
    return {};
  });
  rds.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => void instances.delete(input.DBInstanceIdentifier));
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ host: `${STAGING}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`, port: 5432, dbname: 'support' }) });
  return instances;
}

function provider(): RdsInstanceProvider {
  const deployment = awsDeployment(config);
  if (deployment.staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  return new RdsInstanceProvider({
    bot: 'support-bot', productionIdentifier: 'support-prod', staging: deployment.staging,
    clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) },
  });
}

/** The real table: promote (rename swap), its rollback and commit and restore's undo are real; the other phases pass, or fail where the scenario says. */
function tableFailing(failing: PhaseName | undefined): PhaseDefinition[] {
  return PHASE_TABLE.map((row) => {
    if (row.name === 'promote') return row;
    return {
      ...row,
      run: async (ctx) => {
        if (row.name === 'restore') ctx.state.candidate = { id: CANDIDATE, database: 'support' };
        return row.name === failing ? outcome.failed(`${row.name} check failed`) : outcome.passed(`${row.name} done`);
      },
    };
  });
}

/** Every RDS change in order. */
function rdsChanges(): string[] {
  return rds.calls()
    .map((call) => { const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> }; return { name: command.constructor.name.replace(/Command$/, ''), input: command.input }; })
    .filter((call) => call.name !== 'DescribeDBInstances')
    .map((call) => call.name === 'AddTagsToResource'
      ? `AddTagsToResource ${String(call.input['ResourceName']).split(':').pop()} ${JSON.stringify(call.input['Tags'])}`
      : `${call.name} ${String(call.input['DBInstanceIdentifier'])}${call.input['NewDBInstanceIdentifier'] ? ` -> ${String(call.input['NewDBInstanceIdentifier'])}` : ''}`);
}

async function runInStepFunctions(table: PhaseDefinition[]) {
  const stack = new Stack();
  const fn = (name: string) => LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
  const phases = Object.fromEntries(table.map((row) => [row.name, fn(row.name)])) as Record<PhaseName, ReturnType<typeof fn>>;
  new StateMachine(stack, 'Machine', { definitionBody: DefinitionBody.fromChainable(buildDefinition(new Construct(stack, 'Definition'), table, { phases, settle: fn('settle'), finish: fn('finish') })) });
  const runtime: PhaseRuntime = { config, baseDir: '/tmp', outDir: '/tmp/out', providers: { database: provider() }, maskingKey: Buffer.alloc(0), log: silent };
  const lock = new RunLock(new DynamoDBClient({}), 'lock');
  let settled: Execution | undefined;
  const trace = await runDefinition(definitionOf(Template.fromStack(stack)), { runId: RUN, deployId: 'custom:1', state: {}, results: {} }, async (resource, payload) => {
    const name = resource.functionName?.split(':').pop() ?? '';
    if (name === 'settle') return (settled = await settleExecution(table, payload, runtime));
    if (name === 'finish') return (await finishExecution(payload, { lock, startRun: async () => false, log: silent, lockForMs: 1, dimensions: { Environment: 'staging', Bot: 'b' } })).result;
    const row = table.find((r) => r.name === name);
    if (!row) throw new Error(`unknown function ${name}`);
    return (await runPhaseStep(row, payload, runtime)).execution;
  });
  return { trace, settled: settled && parseExecution(settled) };
}

async function runLocally(table: PhaseDefinition[]) {
  return runPipeline(table, {
    runId: RUN, config, baseDir: '/tmp', outDir: '/tmp/out', providers: { database: provider() }, maskingKey: Buffer.alloc(0), state: {},
    metrics: new MetricsRecorder({}), log: silent,
  }, { sleep: async () => undefined });
}

describe('the synthesized state machine with the rename swap', () => {
  it('loops promote through both renames, then, when a check fails, loops Settle until the renames are reversed and the candidate deleted, as the local runner does', async () => {
    // Prepare
    const instances = simulateRds();

    // Act
    const aws = await runInStepFunctions(tableFailing('converse'));
    const awsChanges = rdsChanges();
    const awsEnd = [...instances.keys()].sort();
    simulateRds();
    const local = await runLocally(tableFailing('converse'));

    // Assert: promote waited on each rename, Settle waited on each rename back, and the run failed on converse.
    expect(aws.trace.visited.filter((state) => state === 'Promote Wait')).toHaveLength(4);
    expect(aws.trace.visited.filter((state) => state === 'Settle Wait')).toHaveLength(4);
    expect(aws.trace.waits.every((seconds) => seconds === 30)).toBe(true);
    expect(aws.trace.status).toBe('FAILED');
    expect(aws.settled?.settlement?.action).toBe('rolled-back');
    expect(aws.settled?.state.promotion?.swap).toEqual({ step: 'rolled-back', candidate: CANDIDATE, runId: RUN });
    expect(awsChanges).toEqual([
      `ModifyDBInstance ${STAGING} -> ${PARKED}`,
      `ModifyDBInstance ${CANDIDATE} -> ${STAGING}`,
      `ModifyDBInstance ${STAGING} -> ${CANDIDATE}`,
      `ModifyDBInstance ${PARKED} -> ${STAGING}`,
      `DeleteDBInstance ${CANDIDATE}`,
    ]);
    // Staging is its old self again under its own name; nothing else is left.
    expect(awsEnd).toEqual([STAGING]);
    expect(local.settlement.action).toBe('rolled-back');
    expect(rdsChanges()).toEqual(awsChanges);
  });

  it('commits a passing run by deleting the parked staging database', async () => {
    // Prepare
    const instances = simulateRds();

    // Act
    const aws = await runInStepFunctions(tableFailing(undefined));

    // Assert
    expect(aws.trace.status).toBe('SUCCEEDED');
    expect(aws.trace.visited).not.toContain('Settle Wait');
    expect(aws.settled?.settlement?.action).toBe('committed');
    // The new staging is marked committed before the parked database goes, so a late reaper keeps it.
    expect(rdsChanges()).toEqual([
      `ModifyDBInstance ${STAGING} -> ${PARKED}`, `ModifyDBInstance ${CANDIDATE} -> ${STAGING}`,
      `AddTagsToResource ${STAGING} [{"Key":"rehearsal:committed","Value":"true"}]`, `DeleteDBInstance ${PARKED}`,
    ]);
    expect(instances.get(STAGING)?.TagList).toEqual([{ Key: 'rehearsal:run-id', Value: RUN }]);
  });
});
