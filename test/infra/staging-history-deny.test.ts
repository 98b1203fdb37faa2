import { Match } from 'aws-cdk-lib/assertions';
import { auroraConfig } from '../shared/aws/factories';
import { synthStack } from './synth';

const { template } = synthStack(auroraConfig());
const rds = (kind: string, name: string): string => `arn:aws:rds:eu-west-1:123456789012:${kind}:${name}`;

describe("the Deny for people's roles on staging's history and rehearsal's snapshots", () => {
  const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('attach to people') } });
  const [id] = Object.keys(policies);
  const properties = policies[id ?? '']?.['Properties'] as { PolicyDocument: { Statement: unknown[] }; Roles?: unknown; Users?: unknown; Groups?: unknown } | undefined;

  it('denies restoring candidates, staging and the parked staging to a point in time, which on Aurora reaches back to before masking', () => {
    expect(properties?.PolicyDocument.Statement).toContainEqual({
      Sid: 'NeverRestoreBeforeMasking',
      Effect: 'Deny',
      Action: ['rds:RestoreDBClusterToPointInTime', 'rds:RestoreDBInstanceToPointInTime', 'rds:StartDBInstanceAutomatedBackupsReplication'],
      Resource: ['db', 'cluster'].flatMap((kind) => [rds(kind, 'rehearsal-support-*'), rds(kind, 'support-staging'), rds(kind, 'support-staging-previous-*')]),
    });
  });

  it("denies restoring, copying, sharing and exporting rehearsal's snapshots, which hold production's data", () => {
    expect(properties?.PolicyDocument.Statement).toContainEqual({
      Sid: 'NeverUseProductionCopies',
      Effect: 'Deny',
      Action: [
        'rds:RestoreDBClusterFromSnapshot', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:CopyDBSnapshot',
        'rds:ModifyDBClusterSnapshotAttribute', 'rds:ModifyDBSnapshotAttribute', 'rds:StartExportTask',
      ],
      Resource: [rds('cluster-snapshot', 'rehearsal-support-snap-*'), rds('snapshot', 'rehearsal-support-snap-*')],
    });
  });

  it("is attached to none of the stack's roles (the functions restore those snapshots) and its ARN is an output", () => {
    expect(properties).toBeDefined();
    expect([properties?.Roles, properties?.Users, properties?.Groups]).toEqual([undefined, undefined, undefined]);
    const roles = JSON.stringify(template.findResources('AWS::IAM::Role'));
    expect(roles).not.toContain(`"Ref":"${id}"`);
    expect(template.findOutputs('StagingHistoryDenyPolicyArn')).toEqual({
      StagingHistoryDenyPolicyArn: expect.objectContaining({ Value: { Ref: id } }) as unknown,
    });
  });
});
