import { Stack } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { stagingIdentifier, type AwsDeployment } from '../../shared/aws/resources';

/**
 * A Deny for the roles of people (and of anything else that should see masked data only), not for
 * rehearsal's functions: the ways around masking that AWS itself keeps open.
 * - **Point-in-time restores of rehearsal's databases.** Aurora keeps continuous backups of every
 *   cluster for at least a day and cannot turn them off, so for a day after each refresh a candidate
 *   (and staging, which a candidate becomes) can be restored to the minutes after its restore,
 *   before masking: production's data. RDS instance candidates are restored with backups off.
 * - **Restoring, copying, sharing or exporting rehearsal's snapshots**, which are production's data
 *   (`<candidatePrefix>-snap-*`). Their names look like staging's, so a policy that grants a team
 *   everything named like staging grants them too.
 * Attach it to those roles or permission sets; the stack exports its ARN.
 */
export class StagingHistoryDenyPolicy extends ManagedPolicy {
  constructor(scope: Construct, id: string, deployment: AwsDeployment) {
    const { aws, staging } = deployment;
    const arn = (kind: string, name: string): string => `arn:aws:rds:${aws.region}:${aws.account}:${kind}:${name}`;
    const prefix = staging.candidatePrefix.toLowerCase();
    const stagingId = stagingIdentifier(staging).toLowerCase();
    const databases = ['db', 'cluster'].flatMap((kind) => [arn(kind, `${prefix}-*`), arn(kind, stagingId), arn(kind, `${stagingId}-previous-*`)]);
    super(scope, id, {
      description: `rehearsal: no way back to production's data through staging's backups or rehearsal's snapshots (${stagingId}) in ${Stack.of(scope).stackName}; attach to people's roles`,
      statements: [
        new PolicyStatement({
          sid: 'NeverRestoreBeforeMasking',
          effect: Effect.DENY,
          actions: ['rds:RestoreDBClusterToPointInTime', 'rds:RestoreDBInstanceToPointInTime', 'rds:StartDBInstanceAutomatedBackupsReplication'],
          resources: databases,
        }),
        new PolicyStatement({
          sid: 'NeverUseProductionCopies',
          effect: Effect.DENY,
          actions: [
            'rds:RestoreDBClusterFromSnapshot', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:CopyDBSnapshot',
            'rds:ModifyDBClusterSnapshotAttribute', 'rds:ModifyDBSnapshotAttribute', 'rds:StartExportTask',
          ],
          resources: [arn('cluster-snapshot', `${prefix}-snap-*`), arn('snapshot', `${prefix}-snap-*`)],
        }),
      ],
    });
  }
}
