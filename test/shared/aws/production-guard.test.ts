import {
  AddTagsToResourceCommand, CreateDBClusterSnapshotCommand, CreateDBInstanceCommand, CreateDBSnapshotCommand, DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand, DeleteDBInstanceCommand, DeleteDBSnapshotCommand, DescribeDBInstancesCommand, ModifyDBClusterCommand,
  ModifyDBInstanceCommand, RDSClient, RestoreDBClusterFromSnapshotCommand, RestoreDBClusterToPointInTimeCommand, RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildMiddleware, MiddlewareStack } from '@smithy/types';
import { assertNotProductionWrite, guarded, type ProtectedResources } from '../../../shared/aws/production-guard';
import { protectedResources, awsDeployment } from '../../../shared/aws/resources';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import { auroraConfig, rdsConfig, REGION } from './factories';

const RESOURCES: ProtectedResources = protectedResources(awsDeployment(rdsConfig()));
const PROD_ARN = `arn:aws:rds:${REGION}:123456789012:db:support-prod`;
const PROD_ENDPOINT = 'support-prod.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com';

interface Sent { readonly client: string; readonly command: string }

/** Records the request and answers it in the process: a request the guard let through never leaves. */
function answerLocally<I extends object, O extends object>(stack: MiddlewareStack<I, O>, client: string, sent: Sent[]): void {
  const answer: BuildMiddleware<I, O> = (_next, context) => async () => {
    sent.push({ client, command: context.commandName ?? '' });
    return { output: { $metadata: {} } as unknown as O, response: {} };
  };
  stack.add(answer, { step: 'build', name: 'recordAndAnswer' });
}

/** Real SDK clients with the guard attached, as the handlers build them, answering locally. */
function guardedClients(resources: ProtectedResources) {
  const sent: Sent[] = [];
  const config = { region: REGION, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } };
  const rds = guarded(new RDSClient(config), resources);
  const route53 = guarded(new Route53Client(config), resources);
  const secrets = guarded(new SecretsManagerClient(config), resources);
  const dynamo = guarded(new DynamoDBClient(config), resources);
  const sfn = guarded(new SFNClient(config), resources);
  const s3 = guarded(new S3Client(config), resources);
  answerLocally(rds.middlewareStack, 'rds', sent);
  answerLocally(route53.middlewareStack, 'route53', sent);
  answerLocally(secrets.middlewareStack, 'secrets', sent);
  answerLocally(dynamo.middlewareStack, 'dynamo', sent);
  answerLocally(sfn.middlewareStack, 'sfn', sent);
  answerLocally(s3.middlewareStack, 's3', sent);
  return { sent, rds, route53, secrets, dynamo, sfn, s3 };
}

/** Every mutating command rehearsal's code can issue, each aimed at production in the way it could go wrong. */
function mutatingCommandsAimedAtProduction(c: ReturnType<typeof guardedClients>) {
  return [
    ['RestoreDBInstanceFromDBSnapshot', () => c.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'support-prod', DBSnapshotIdentifier: 'rehearsal-support-snap-1' }))],
    ['ModifyDBInstance', () => c.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'SUPPORT-PROD', ApplyImmediately: true }))],
    ['DeleteDBInstance', () => c.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'support-prod', SkipFinalSnapshot: true }))],
    ['DeleteDBInstance (a replica listed in protectedIdentifiers)', () => c.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'support-prod-replica', SkipFinalSnapshot: true }))],
    ['CreateDBInstance', () => c.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'x-w', DBClusterIdentifier: 'support-prod', DBInstanceClass: 'db.r6g.large', Engine: 'aurora-postgresql' }))],
    ['RestoreDBClusterFromSnapshot', () => c.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'support-prod', SnapshotIdentifier: 's', Engine: 'aurora-postgresql' }))],
    ['RestoreDBClusterToPointInTime', () => c.rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'rehearsal-x', SourceDBClusterIdentifier: 'support-prod' }))],
    ['ModifyDBCluster', () => c.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'support-prod', ManageMasterUserPassword: true }))],
    ['DeleteDBCluster', () => c.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'support-prod', SkipFinalSnapshot: true }))],
    ['DeleteDBSnapshot', () => c.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'support-prod' }))],
    ['DeleteDBClusterSnapshot', () => c.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'support-prod' }))],
    ['AddTagsToResource', () => c.rds.send(new AddTagsToResourceCommand({ ResourceName: PROD_ARN, Tags: [{ Key: 'rehearsal:replaces', Value: '-' }] }))],
    ['ChangeResourceRecordSets', () => c.route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'db.staging.support.internal.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: PROD_ENDPOINT }] } }] },
    }))],
    ['PutSecretValue', () => c.secrets.send(new PutSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging', SecretString: JSON.stringify({ host: PROD_ENDPOINT, password: 'x' }) }))],
    ['PutItem', () => c.dynamo.send(new PutItemCommand({ TableName: 'lock', Item: { pk: { S: 'deploy#42' }, target: { S: 'support-prod' } } }))],
    ['UpdateItem', () => c.dynamo.send(new UpdateItemCommand({ TableName: 'lock', Key: { pk: { S: 'lock' } }, UpdateExpression: 'SET holder = :h', ExpressionAttributeValues: { ':h': { S: PROD_ARN } } }))],
    ['PutObject', () => c.s3.send(new PutObjectCommand({ Bucket: 'rehearsal-load-results', Key: 'load-results/run-1/worker-00.json', Body: JSON.stringify({ series: [{ conversation: 'support-prod' }] }) }))],
    ['StartExecution', () => c.sfn.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:r', input: JSON.stringify({ state: { candidate: { id: 'support-prod' } } }) }))],
  ] as const;
}

describe('the production guard on every AWS client', () => {
  it.each(mutatingCommandsAimedAtProduction(guardedClients(RESOURCES)).map(([name]) => [name]))('refuses %s naming production before it leaves the client', async (name) => {
    // Prepare: fresh clients so the record of sent requests is this case's own.
    const clients = guardedClients(RESOURCES);
    const send = mutatingCommandsAimedAtProduction(clients).find(([label]) => label === name)?.[1];

    // Act
    const result = send?.();

    // Assert
    await expect(result).rejects.toBeInstanceOf(ProductionWriteBlockedError);
    await expect(result).rejects.toThrow(/rehearsal only describes and snapshots production/);
    expect(clients.sent).toEqual([]);
  });

  it('lets describing and snapshotting production through, and tagging the snapshot', async () => {
    const clients = guardedClients(RESOURCES);

    await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'support-prod' }));
    await clients.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'support-prod', DBSnapshotIdentifier: 'rehearsal-support-snap-1', Tags: [{ Key: 'rehearsal:managed-by', Value: 'rehearsal' }] }));
    await clients.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'support-prod', DBClusterSnapshotIdentifier: 'rehearsal-support-snap-1' }));
    await clients.rds.send(new AddTagsToResourceCommand({ ResourceName: `arn:aws:rds:${REGION}:123456789012:snapshot:rehearsal-support-snap-1`, Tags: [] }));

    expect(clients.sent.map((s) => s.command)).toEqual(['DescribeDBInstancesCommand', 'CreateDBSnapshotCommand', 'CreateDBClusterSnapshotCommand', 'AddTagsToResourceCommand']);
  });

  it('lets changes to rehearsal\'s own databases through', async () => {
    const clients = guardedClients(RESOURCES);

    await clients.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'rehearsal-support-cand-1a2b3c4d', SkipFinalSnapshot: true }));
    await clients.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rehearsal-support-snap-support-prod' }));

    expect(clients.sent).toHaveLength(2);
  });

  it('allows production only as the source of a copy-on-write clone, and only in clone mode', () => {
    const clone = protectedResources(awsDeployment(auroraConfig({ method: 'clone' })));
    const input = { DBClusterIdentifier: 'rehearsal-support-cand-1', SourceDBClusterIdentifier: 'support-prod', RestoreType: 'copy-on-write' };

    expect(() => assertNotProductionWrite('RestoreDBClusterToPointInTimeCommand', input, clone)).not.toThrow();
    expect(() => assertNotProductionWrite('RestoreDBClusterToPointInTimeCommand', { ...input, DBClusterIdentifier: 'support-prod' }, clone)).toThrow(ProductionWriteBlockedError);
    expect(() => assertNotProductionWrite('RestoreDBClusterToPointInTimeCommand', input, protectedResources(awsDeployment(auroraConfig())))).toThrow(ProductionWriteBlockedError);
  });

  it('names the command and the input field it refused', () => {
    expect(() => assertNotProductionWrite('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'support-prod' }, RESOURCES))
      .toThrow('refused ModifyDBInstance: its input field DBInstanceIdentifier names the production database "support-prod"');
  });

  it('is tested here for every mutating command the AWS code can issue', () => {
    // Prepare: every command class constructed anywhere in shared/aws and functions/.
    const files = [...sourceFiles('shared/aws'), ...sourceFiles('functions')];
    const issued = new Set(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/new ([A-Z][A-Za-z0-9]+)Command\(/g)].map((m) => m[1])));
    const readOnly = /^(Describe|List|Get)/;
    const allowedOnProduction = new Set(['CreateDBSnapshot', 'CreateDBClusterSnapshot']);

    // Act
    const tested = new Set(mutatingCommandsAimedAtProduction(guardedClients(RESOURCES)).map(([name]) => name.split(' ')[0]));
    const untested = [...issued].filter((name) => name && !readOnly.test(name) && !allowedOnProduction.has(name) && !tested.has(name));

    // Assert
    expect(untested).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  const root = path.resolve(__dirname, '../../..', dir);
  return readdirSync(root).flatMap((name) => {
    const full = path.join(root, name);
    if (statSync(full).isDirectory()) return sourceFiles(path.relative(path.resolve(__dirname, '../../..'), full));
    return name.endsWith('.ts') ? [full] : [];
  });
}
