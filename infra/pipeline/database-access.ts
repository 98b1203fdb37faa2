import { Stack } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { productionIdentifier, rdsArn, stagingIdentifier, type AwsDeployment } from '../../shared/aws/resources';

/**
 * What the database phases may do, and what nobody in the stack may ever do. Production appears in the
 * allow statements only for Describe and CreateDB(Cluster)Snapshot (and, in clone mode, as the source
 * of a copy-on-write clone); the {@link ProductionDenyPolicy} denies everything else on it explicitly.
 */
export class DatabaseAccess extends Construct {
  constructor(scope: Construct, id: string, role: IRole, deployment: AwsDeployment) {
    super(scope, id);
    const { aws, production, staging } = deployment;
    const arn = (kind: string, name: string): string => `arn:aws:rds:${aws.region}:${aws.account}:${kind}:${name}`;
    const prefix = staging.candidatePrefix.toLowerCase();
    const cluster = staging.provider === 'aurora-cluster';
    const prod = productionIdentifier(production).toLowerCase();
    const stagingId = stagingIdentifier(staging).toLowerCase();
    // What rehearsal creates and removes: candidates (and their writer instances), its snapshots, and the
    // database staging was before the first refresh (removed once a refresh replaced it).
    const managedDatabases = [arn('db', `${prefix}-*`), arn('db', stagingId), ...(cluster ? [arn('cluster', `${prefix}-*`), arn('cluster', stagingId), arn('db', `${stagingId}-*`)] : [])];
    const snapshots = [arn(cluster ? 'cluster-snapshot' : 'snapshot', `${prefix}-snap-*`)];

    role.addToPrincipalPolicy(new PolicyStatement({
      sid: 'DescribeDatabases',
      actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
      // Describe calls with a filter or a marker are authorised against `*` by RDS.
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: 'SnapshotProduction',
      actions: [cluster ? 'rds:CreateDBClusterSnapshot' : 'rds:CreateDBSnapshot'],
      resources: [cluster ? arn('cluster', prod) : arn('db', prod), ...snapshots],
    }));
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: 'ManageOwnSnapshots',
      // An instance restore keeps its snapshot's key: a snapshot in another key is copied into staging's first (source and target are both `<prefix>-snap-*`).
      actions: ['rds:AddTagsToResource', ...(cluster ? ['rds:DeleteDBClusterSnapshot', 'rds:RestoreDBClusterFromSnapshot'] : ['rds:DeleteDBSnapshot', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:CopyDBSnapshot'])],
      resources: snapshots,
    }));
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: 'ManageCandidates',
      actions: [
        'rds:AddTagsToResource', 'rds:DeleteDBInstance',
        ...(cluster
          ? ['rds:RestoreDBClusterFromSnapshot', 'rds:RestoreDBClusterToPointInTime', 'rds:CreateDBInstance', 'rds:ModifyDBCluster', 'rds:DeleteDBCluster']
          : ['rds:RestoreDBInstanceFromDBSnapshot']),
      ],
      resources: managedDatabases,
    }));
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: 'RestoreSettings',
      actions: cluster ? ['rds:RestoreDBClusterFromSnapshot', 'rds:RestoreDBClusterToPointInTime', 'rds:CreateDBInstance'] : ['rds:RestoreDBInstanceFromDBSnapshot'],
      resources: [
        arn('subgrp', staging.subnetGroupName),
        arn('pg', staging.parameterGroupName),
        ...(cluster ? [arn('cluster-pg', staging.clusterParameterGroupName)] : [arn('og', staging.optionGroupName)]),
      ],
    }));
    if (staging.provider === 'aurora-cluster' && staging.method === 'clone') {
      role.addToPrincipalPolicy(new PolicyStatement({ sid: 'CloneProduction', actions: ['rds:RestoreDBClusterToPointInTime'], resources: [arn('cluster', prod)] }));
    }
    if (staging.swap.mode === 'dns') {
      role.addToPrincipalPolicy(new PolicyStatement({
        sid: 'SwapStagingRecord',
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [`arn:aws:route53:::hostedzone/${staging.swap.hostedZoneId}`],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [staging.swap.recordName.toLowerCase().replace(/\.$/, '')],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          },
        },
      }));
      role.addToPrincipalPolicy(new PolicyStatement({ sid: 'ReadStagingRecord', actions: ['route53:ListResourceRecordSets'], resources: [`arn:aws:route53:::hostedzone/${staging.swap.hostedZoneId}`] }));
      // Promote and rollback wait until their record change is INSYNC; change ids exist only once a change is made.
      role.addToPrincipalPolicy(new PolicyStatement({ sid: 'WaitForRecordChange', actions: ['route53:GetChange'], resources: ['arn:aws:route53:::change/*'] }));
    }
    if (staging.swap.mode === 'rename') {
      // Staging is renamed to `<staging>-previous-<run>` and back, candidates to staging's identifier and back; commit deletes the parked one.
      const kind = cluster ? 'cluster' : 'db';
      role.addToPrincipalPolicy(new PolicyStatement({
        sid: 'RenameSwap',
        actions: cluster ? ['rds:ModifyDBCluster', 'rds:DeleteDBCluster', 'rds:DeleteDBInstance'] : ['rds:ModifyDBInstance', 'rds:DeleteDBInstance'],
        resources: [arn(kind, `${prefix}-*`), arn(kind, stagingId), arn(kind, `${stagingId}-previous-*`)],
      }));
    }
    const stagingSecret = Secret.fromSecretCompleteArn(this, 'StagingSecret', staging.secretArn);
    stagingSecret.grantRead(role);
    stagingSecret.grantWrite(role);
    // Application roles' secrets: anonymize stages each new password as AWSPENDING, promote and rollback move AWSCURRENT.
    if (staging.roles.length > 0) {
      role.addToPrincipalPolicy(new PolicyStatement({
        sid: 'StageRolePasswords',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: staging.roles.map((entry) => entry.secretArn),
      }));
    }
    // RDS names the master user secrets it manages `rds!db-<uuid>` / `rds!cluster-<uuid>`: unknown until the restore.
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: 'ReadManagedMasterSecrets',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [`arn:aws:secretsmanager:${aws.region}:${aws.account}:secret:rds!*`],
      // Only the secrets of rehearsal's own databases: RDS tags each with the database it belongs to.
      conditions: { StringLike: { [cluster ? 'aws:ResourceTag/aws:rds:primaryDBClusterArn' : 'aws:ResourceTag/aws:rds:primaryDBInstanceArn']: managedDatabases.filter((a) => a.includes(cluster ? ':cluster:' : ':db:')) } },
    }));
    // Restores and snapshot copies into staging's key (CopyDBSnapshot with KmsKeyId) need DescribeKey and CreateGrant on it.
    Key.fromKeyArn(this, 'StagingKey', staging.kmsKeyId).grant(role, 'kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey*');
    // Production's snapshots are in production's key: copying one into staging's key (or an Aurora restore) reads it under a grant.
    if (production.kmsKeyId) Key.fromKeyArn(this, 'ProductionKey', production.kmsKeyId).grant(role, 'kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt');
  }
}

/** A Deny on every production database for every action but describing and snapshotting it. */
export class ProductionDenyPolicy extends ManagedPolicy {
  constructor(scope: Construct, id: string, deployment: AwsDeployment) {
    const { aws, production, staging } = deployment;
    const identifiers = [productionIdentifier(production), ...aws.protectedIdentifiers];
    const clone = staging.provider === 'aurora-cluster' && staging.method === 'clone';
    super(scope, id, {
      description: `rehearsal never modifies production (${identifiers.join(', ')}) in ${Stack.of(scope).stackName}`,
      statements: [new PolicyStatement({
        sid: 'NeverModifyProduction',
        effect: Effect.DENY,
        notActions: ['rds:Describe*', 'rds:List*', 'rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot', ...(clone ? ['rds:RestoreDBClusterToPointInTime'] : [])],
        resources: identifiers.flatMap((id) => [rdsArn(aws, 'db', id), rdsArn(aws, 'cluster', id)]),
      }), ...(production.secretArns.length > 0 ? [new PolicyStatement({
        sid: 'NeverWriteProductionSecrets',
        effect: Effect.DENY,
        notActions: ['secretsmanager:Describe*', 'secretsmanager:List*', 'secretsmanager:GetSecretValue', 'secretsmanager:GetResourcePolicy'],
        resources: [...production.secretArns],
      })] : [])],
    });
  }
}
