import {
  AddTagsToResourceCommand, CopyDBSnapshotCommand, CreateDBClusterSnapshotCommand, CreateDBInstanceCommand, CreateDBSnapshotCommand, DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand, DeleteDBInstanceCommand, DeleteDBSnapshotCommand, DescribeDBInstancesCommand, ModifyDBClusterCommand,
  ModifyDBInstanceCommand, RDSClient, RestoreDBClusterFromSnapshotCommand, RestoreDBClusterToPointInTimeCommand, RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildMiddleware, MiddlewareStack } from '@smithy/types';
import { assertNotProductionWrite, guarded, type ProtectedResources } from '../../../shared/aws/production-guard';
import { protectedResources, awsDeployment } from '../../../shared/aws/resources';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import { auroraConfig, awsConfigInput, parseConfig, rdsConfig, rdsStagingInput, REGION } from './factories';

/** Production's application secret, as `databases.production.secretArns` lists it. */
const PROD_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-prod/app-db-Ab12Cd';
const RESOURCES: ProtectedResources = { ...protectedResources(awsDeployment(rdsConfig())), secretArns: [PROD_SECRET] };
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
    ['ModifyDBInstance (rename mode: staging renamed to production\'s identifier)', () => c.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'support-staging', NewDBInstanceIdentifier: 'support-prod', ApplyImmediately: true }))],
    ['ModifyDBInstance (rename mode: production renamed away as if it were staging)', () => c.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'support-prod', NewDBInstanceIdentifier: 'support-staging-previous-1a2b3c4d', ApplyImmediately: true }))],
    ['ModifyDBCluster (rename mode: a cluster renamed to a protected identifier)', () => c.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'rehearsal-support-cand-1a2b3c4d', NewDBClusterIdentifier: 'SUPPORT-PROD-REPLICA', ApplyImmediately: true }))],
    ['DeleteDBInstance', () => c.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'support-prod', SkipFinalSnapshot: true }))],
    ['DeleteDBInstance (a replica listed in protectedIdentifiers)', () => c.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'support-prod-replica', SkipFinalSnapshot: true }))],
    ['CreateDBInstance', () => c.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'x-w', DBClusterIdentifier: 'support-prod', DBInstanceClass: 'db.r6g.large', Engine: 'aurora-postgresql' }))],
    ['RestoreDBClusterFromSnapshot', () => c.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'support-prod', SnapshotIdentifier: 's', Engine: 'aurora-postgresql' }))],
    ['RestoreDBClusterToPointInTime', () => c.rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'rehearsal-x', SourceDBClusterIdentifier: 'support-prod' }))],
    ['ModifyDBCluster', () => c.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'support-prod', ManageMasterUserPassword: true }))],
    ['DeleteDBCluster', () => c.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'support-prod', SkipFinalSnapshot: true }))],
    ['CopyDBSnapshot', () => c.rds.send(new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d', TargetDBSnapshotIdentifier: 'support-prod', KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      CopyTags: false, Tags: [{ Key: 'rehearsal:managed-by', Value: 'rehearsal' }],
    }))],
    ['DeleteDBSnapshot', () => c.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'support-prod' }))],
    ['DeleteDBClusterSnapshot', () => c.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'support-prod' }))],
    ['AddTagsToResource', () => c.rds.send(new AddTagsToResourceCommand({ ResourceName: PROD_ARN, Tags: [{ Key: 'rehearsal:replaces', Value: '-' }] }))],
    ['ChangeResourceRecordSets', () => c.route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'db.staging.support.internal.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: PROD_ENDPOINT }] } }] },
    }))],
    ['PutSecretValue', () => c.secrets.send(new PutSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging', SecretString: JSON.stringify({ host: PROD_ENDPOINT, password: 'x' }) }))],
    ['PutSecretValue (a production secret by ARN, as the credentials step stages a role password)', () => c.secrets.send(new PutSecretValueCommand({
      SecretId: PROD_SECRET, ClientRequestToken: '0b1c2d3e-4f50-4172-a394-a5b6c7d8e9f0', SecretString: '{"username":"app_user"}', VersionStages: ['AWSPENDING'],
    }))],
    ['UpdateSecretVersionStage (a production secret by its name without suffix)', () => c.secrets.send(new UpdateSecretVersionStageCommand({
      SecretId: 'support-prod/app-db', VersionStage: 'AWSCURRENT', MoveToVersionId: '0b1c2d3e-4f50-4172-a394-a5b6c7d8e9f0', RemoveFromVersionId: 'old',
    }))],
    ['UpdateSecretVersionStage (a production secret by partial ARN)', () => c.secrets.send(new UpdateSecretVersionStageCommand({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-prod/app-db', VersionStage: 'AWSPENDING', RemoveFromVersionId: 'v1',
    }))],
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
    // Rename mode's three renames, none naming production.
    await clients.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'support-staging', NewDBInstanceIdentifier: 'support-staging-previous-1a2b3c4d', ApplyImmediately: true }));
    await clients.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'rehearsal-support-cand-1a2b3c4d', NewDBInstanceIdentifier: 'support-staging', ApplyImmediately: true }));
    await clients.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'support-staging', NewDBClusterIdentifier: 'support-staging-previous-1a2b3c4d', ApplyImmediately: true }));

    expect(clients.sent.map((s) => s.command)).toEqual(['DeleteDBInstanceCommand', 'DeleteDBSnapshotCommand', 'ModifyDBInstanceCommand', 'ModifyDBInstanceCommand', 'ModifyDBClusterCommand']);
  });

  it("lets a snapshot copy into rehearsal's own tagged snapshot through, its tags naming the source, and refuses an untagged one", async () => {
    // Prepare: the copy the RDS instance restore makes when staging's key differs from the snapshot's.
    const clients = guardedClients(RESOURCES);
    const copy = {
      SourceDBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d', TargetDBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d-stgkey',
      KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k', CopyTags: false,
      Tags: [{ Key: 'rehearsal:managed-by', Value: 'rehearsal' }, { Key: 'rehearsal:source', Value: 'support-prod' }],
    };

    // Act
    await clients.rds.send(new CopyDBSnapshotCommand(copy));
    const untagged = clients.rds.send(new CopyDBSnapshotCommand({ ...copy, Tags: [{ Key: 'team', Value: 'support' }] }));

    // Assert
    await expect(untagged).rejects.toThrow('refused CopyDBSnapshot: its target carries no rehearsal:managed-by=rehearsal tag');
    expect(clients.sent).toEqual([{ client: 'rds', command: 'CopyDBSnapshotCommand' }]);
    expect(() => assertNotProductionWrite('CopyDBSnapshotCommand', { ...copy, TargetDBSnapshotIdentifier: 'SUPPORT-PROD-REPLICA' }, RESOURCES))
      .toThrow('refused CopyDBSnapshot: its input field TargetDBSnapshotIdentifier names the production database "SUPPORT-PROD-REPLICA"');
  });

  it("lets rehearsal's own candidates through when their tags name production as their source", async () => {
    // Prepare: the tags every candidate and snapshot carries (rehearsalTags), naming the database it came from.
    const clients = guardedClients(RESOURCES);
    const Tags = [{ Key: 'rehearsal:managed-by', Value: 'rehearsal' }, { Key: 'rehearsal:source', Value: 'support-prod' }];

    // Act
    await clients.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'rehearsal-support-cand-1a2b3c4d', DBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d', Tags }));
    await clients.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'rehearsal-support-cand-1a2b3c4d', SnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d', Engine: 'aurora-postgresql', Tags }));
    await clients.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'rehearsal-support-cand-1a2b3c4d-w', DBClusterIdentifier: 'rehearsal-support-cand-1a2b3c4d', DBInstanceClass: 'db.r6g.large', Engine: 'aurora-postgresql', Tags }));
    const tagProduction = clients.rds.send(new AddTagsToResourceCommand({ ResourceName: PROD_ARN, Tags }));

    // Assert: the tag never makes production a target; production as the resource is still refused.
    expect(clients.sent.map((s) => s.command)).toEqual(['RestoreDBInstanceFromDBSnapshotCommand', 'RestoreDBClusterFromSnapshotCommand', 'CreateDBInstanceCommand']);
    await expect(tagProduction).rejects.toThrow('refused AddTagsToResource: its input field ResourceName names the production database');
  });

  it('allows production only as the source of a copy-on-write clone, and only in clone mode', () => {
    const clone = protectedResources(awsDeployment(auroraConfig({ method: 'clone' })));
    const input = { DBClusterIdentifier: 'rehearsal-support-cand-1', SourceDBClusterIdentifier: 'support-prod', RestoreType: 'copy-on-write' };

    expect(() => assertNotProductionWrite('RestoreDBClusterToPointInTimeCommand', input, clone)).not.toThrow();
    expect(() => assertNotProductionWrite('RestoreDBClusterToPointInTimeCommand', { ...input, DBClusterIdentifier: 'support-prod' }, clone)).toThrow(ProductionWriteBlockedError);
    expect(() => assertNotProductionWrite('RestoreDBClusterToPointInTimeCommand', input, protectedResources(awsDeployment(auroraConfig())))).toThrow(ProductionWriteBlockedError);
  });

  it("lets the credentials step write staging's role secrets, and takes production's secrets from the config", async () => {
    // Prepare
    const clients = guardedClients(RESOURCES);
    const roleSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Zz98Yx';
    const fromConfig = protectedResources(awsDeployment(parseConfig(awsConfigInput({
      databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod', secretArns: [PROD_SECRET] }, staging: rdsStagingInput() } as never,
    }))));

    // Act
    await clients.secrets.send(new PutSecretValueCommand({ SecretId: roleSecret, ClientRequestToken: '0b1c2d3e-4f50-4172-a394-a5b6c7d8e9f0', SecretString: '{}', VersionStages: ['AWSPENDING'] }));
    await clients.secrets.send(new UpdateSecretVersionStageCommand({ SecretId: roleSecret, VersionStage: 'AWSCURRENT', MoveToVersionId: '0b1c2d3e-4f50-4172-a394-a5b6c7d8e9f0', RemoveFromVersionId: 'old' }));

    // Assert
    expect(clients.sent.map((s) => s.command)).toEqual(['PutSecretValueCommand', 'UpdateSecretVersionStageCommand']);
    expect(fromConfig.secretArns).toEqual([PROD_SECRET]);
    expect(() => assertNotProductionWrite('PutSecretValueCommand', { SecretId: PROD_SECRET }, fromConfig))
      .toThrow(`refused PutSecretValue: its input field SecretId names the production secret ${PROD_SECRET}. rehearsal only describes and snapshots production, never writes its secrets.`);
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
