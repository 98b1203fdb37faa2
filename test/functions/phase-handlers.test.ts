import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { createPhaseHandler } from '../../functions/common/phase-handler';
import { RdsInstanceProvider } from '../../shared/aws/rds-instance-provider';
import { awsDeployment } from '../../shared/aws/resources';
import { ConfigError } from '../../shared/errors';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import { phase as snapshotPhase } from '../../functions/snapshot/handler';
import { rdsConfig } from '../shared/aws/factories';

const rds = mockClient(RDSClient);
const context = { functionName: 'rehearsal-snapshot', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function snapshotHandler(runtimeBuilds: { count: number }) {
  const config = rdsConfig();
  const { staging } = awsDeployment(config);
  if (staging.provider !== 'rds-instance') throw new Error('wrong provider');
  const clients = { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) };
  const written: string[] = [];
  const handler = createPhaseHandler(snapshotPhase, {
    env: { PHASE_TIMEOUT_MS: '7200000' },
    write: (text) => void written.push(text),
    factory: async (log) => {
      runtimeBuilds.count += 1;
      return { config, baseDir: '/var/task', outDir: '/tmp/out', maskingKey: Buffer.alloc(0), log, providers: { database: new RdsInstanceProvider({ bot: config.bot, productionIdentifier: 'support-prod', staging, clients }) } };
    },
  });
  return { handler, written };
}

/** Phases whose Lambda injects its own AWS clients into the table's phase factory (the table's run creates none up front). */
const CLIENTS_INJECTED: ReadonlySet<string> = new Set(['reconcile', 'publish']);

beforeEach(() => rds.reset());

describe('phase handlers', () => {
  it.each(PHASE_TABLE.filter((row) => !CLIENTS_INJECTED.has(row.name)).map((row) => [row.name, row] as const))("the %s handler runs the phase table's own function", async (name, row) => {
    const module = (await import(`../../functions/${name}/handler`)) as { phase: { name: string; run: unknown }; handler: unknown };

    expect(module.phase.name).toBe(row.name);
    expect(module.phase.run).toBe(row.run);
    expect(typeof module.handler).toBe('function');
  });

  it.each([...CLIENTS_INJECTED])("the %s handler runs the table's phase built with the Lambda's own clients", async (name) => {
    const module = (await import(`../../functions/${name}/handler`)) as { phase: { name: string; run: unknown }; handler: unknown };

    // Same phase (the table's factory, other clients): same name; importing builds no client and reads no env.
    expect(module.phase.name).toBe(name);
    expect(typeof module.phase.run).toBe('function');
    expect(typeof module.handler).toBe('function');
  });

  it('runs one call of the phase over the injected AWS providers and returns the next execution document', async () => {
    // Prepare
    rds.on(CreateDBSnapshotCommand).resolves({});
    const builds = { count: 0 };
    const { handler } = snapshotHandler(builds);
    const event = { execution: { runId: '1a2b3c4d-run', deployId: 'custom:1', state: {} }, retryCount: 0 };
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'support-prod' }] });

    // Act
    const first = await handler(event, context);
    const second = await handler(event, context);

    // Assert
    expect(first).toMatchObject({ runId: '1a2b3c4d-run', step: { status: 'pending', retryAfterSeconds: 60 }, state: { snapshot: { id: 'rehearsal-support-snap-1a2b3c4d' } } });
    expect(second.step?.status).toBe('pending');
    expect(builds.count).toBe(1);
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input.DBInstanceIdentifier).toBe('support-prod');
  });

  it('rejects a malformed event with the JSON path of each problem, before touching AWS', async () => {
    const { handler } = snapshotHandler({ count: 0 });

    const error = await handler({ execution: { deployId: 7 } }, context).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.path)).toEqual(['event.runId', 'event.deployId']);
    expect(rds.calls()).toHaveLength(0);
  });

  it('refuses to start without its timeout variable, naming it', async () => {
    const handler = createPhaseHandler({ name: 'snapshot', run: async () => ({ status: 'skipped', summary: '' }) }, { env: {}, factory: async () => { throw new Error('not reached'); } });

    await expect(handler({}, context)).rejects.toThrow('env.PHASE_TIMEOUT_MS');
  });
});
