import { DescribeSecretCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { StagedRole } from '../../../shared/anonymize/role-credentials';
import { AwsRoleSecretStore } from '../../../shared/aws/role-secrets';
import type { DatabaseProvider, DatabaseRef, Progress, Promotion } from '../../../shared/db/provider';
import { rollbackPromotion, runPromote } from '../../../shared/pipeline/phases/promote';
import { makeRunContext } from '../../support/run-context';

const secrets = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';
const OURS = '0b1c2d3e-4f50-4172-a394-a5b6c7d8e9f0';
const OLD = 'a1b2c3d4-0000-4000-8000-000000000001';

/** A provider whose swap is instant; its role secrets are the real Secrets Manager store over the mocked client. */
function provider(): DatabaseProvider {
  const promotion: Promotion = { staging: { id: 'cand', database: 'support' }, previous: { id: 'old', database: 'support' } };
  return {
    kind: 'scripted',
    preflight: async () => undefined,
    snapshot: async () => { throw new Error('not scripted'); },
    restore: async () => { throw new Error('not scripted'); },
    connection: async () => { throw new Error('not scripted'); },
    promote: async (): Promise<Progress<Promotion>> => ({ state: 'ready', value: promotion }),
    rollback: async (value: Promotion): Promise<Progress<Promotion>> => ({ state: 'ready', value }),
    discard: async (_candidate: DatabaseRef) => undefined,
    commit: async () => undefined,
    pruneSnapshots: async () => [],
    roleSecrets: new AwsRoleSecretStore(new SecretsManagerClient({}), async () => ({ host: 'h', port: 5432, dbname: 'd' })),
  };
}

const staged: StagedRole = { role: 'app_user', secretArn: SECRET, versionId: OURS };

beforeEach(() => {
  secrets.reset();
  secrets.on(UpdateSecretVersionStageCommand).resolves({});
});

describe('role secrets at promote and rollback', () => {
  it('promote makes the staged version AWSCURRENT, drops its AWSPENDING label, and records only the replaced version id', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { [OLD]: ['AWSCURRENT'], [OURS]: ['AWSPENDING'] } });
    const ctx = { ...makeRunContext(provider(), { state: { candidate: { id: 'cand', database: 'support' }, stagedRoles: [staged] } }), results: [] };

    // Act
    const result = await runPromote(ctx);

    // Assert
    expect(result).toMatchObject({ status: 'passed', figures: { roleSecretsPromoted: 1 } });
    expect(secrets.commandCalls(DescribeSecretCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: SECRET }]);
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: OURS, RemoveFromVersionId: OLD },
      { SecretId: SECRET, VersionStage: 'AWSPENDING', RemoveFromVersionId: OURS },
    ]);
    expect(ctx.state.stagedRoles).toEqual([{ ...staged, replacedVersionId: OLD }]);
  });

  it('a retried promote whose move already happened moves nothing and still knows the replaced version (AWSPREVIOUS)', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { [OLD]: ['AWSPREVIOUS'], [OURS]: ['AWSCURRENT'] } });
    const store = provider().roleSecrets;

    // Act
    const replaced = await store?.makeCurrent(SECRET, OURS);

    // Assert
    expect(replaced).toBe(OLD);
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('rollback moves AWSCURRENT back to the replaced version', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { [OLD]: ['AWSPREVIOUS'], [OURS]: ['AWSCURRENT'] } });
    const ctx = { ...makeRunContext(provider(), { state: { promotion: { staging: { id: 'cand', database: 'support' }, previous: { id: 'old', database: 'support' } }, stagedRoles: [{ ...staged, replacedVersionId: OLD }] } }), results: [] };

    // Act
    await rollbackPromotion(ctx);

    // Assert
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: OLD, RemoveFromVersionId: OURS },
    ]);
    expect(ctx.state.rolledBack).toBe(true);
  });

  it('rollback before the secret was promoted only drops the pending label: the current version stays', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { [OLD]: ['AWSCURRENT'], [OURS]: ['AWSPENDING'] } });
    const ctx = { ...makeRunContext(provider(), { state: { promotion: { staging: { id: 'cand', database: 'support' } }, stagedRoles: [staged] } }), results: [] };

    // Act
    await rollbackPromotion(ctx);

    // Assert
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET, VersionStage: 'AWSPENDING', RemoveFromVersionId: OURS },
    ]);
  });
});
