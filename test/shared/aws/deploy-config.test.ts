import { validateDeployment } from '../../../shared/aws/deploy-validation';
import { ConfigError } from '../../../shared/errors';
import { makeConfigInput } from '../../support/config-factory';
import { awsConfigInput, awsInput, parseConfig, rdsStagingInput } from './factories';

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('the databases section with AWS providers', () => {
  it('still accepts the local form, with or without provider: local', () => {
    const withoutProvider = parseConfig(makeConfigInput() as Record<string, unknown>);
    const withProvider = parseConfig({ ...makeConfigInput(), databases: { production: { provider: 'local', url: 'postgres://u:p@127.0.0.1:5432/a' }, staging: { provider: 'local', url: 'postgres://u:p@127.0.0.1:5432/b' } } } as Record<string, unknown>);

    expect(withoutProvider.databases.production).toEqual({ provider: 'local', url: 'postgres://u:p@127.0.0.1:5432/support' });
    expect(withProvider.databases.staging).toMatchObject({ provider: 'local', keepPrevious: false, keepSnapshots: 2 });
  });

  it('parses an RDS instance pair with its defaults', () => {
    const config = parseConfig(awsConfigInput());

    expect(config.databases.staging).toMatchObject({ provider: 'rds-instance', port: 5432, keepSnapshots: 2, swap: { mode: 'dns', ttlSeconds: 30 } });
  });

  it('names each missing restore setting instead of falling back to a default', () => {
    const { securityGroupIds: _sg, parameterGroupName: _pg, ...staging } = rdsStagingInput();

    const problems = problemsOf(() => parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging } as never })));

    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^databases\.staging\.securityGroupIds: /),
      expect.stringMatching(/^databases\.staging\.parameterGroupName: /),
    ]));
  });

  it('refuses the same identifier for production and staging', () => {
    const problems = problemsOf(() => parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'Support-Prod' }, staging: rdsStagingInput({ instanceIdentifier: 'support-prod' }) } as never })));

    expect(problems).toEqual(['databases.staging.instanceIdentifier: staging names the same database as production; rehearsal never writes to production']);
  });

  it('parses application roles with their secrets, and refuses a role or a secret listed twice', () => {
    // Prepare
    const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-Ab12Cd`;
    const roles = [{ name: 'app_user', secretArn: secret('app') }, { name: 'reporting', secretArn: secret('reporting') }];
    const twice = [...roles, { name: 'app_user', secretArn: secret('app') }];

    // Act
    const config = parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ roles }) } as never }));
    const problems = problemsOf(() => parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ roles: twice }) } as never })));

    // Assert
    expect(config.databases.staging).toMatchObject({ roles });
    expect(problems).toEqual([
      'databases.staging.roles[2].name: role "app_user" is listed twice: each role needs its own secret',
      `databases.staging.roles[2].secretArn: secret "${secret('app')}" is listed twice: each role needs its own secret`,
    ]);
  });

  it('refuses application roles with the local provider, saying why (roles are server-wide: production would be locked out)', () => {
    // Prepare
    const input = { ...makeConfigInput(), databases: { production: { url: 'postgres://u:p@127.0.0.1:5432/a' }, staging: { url: 'postgres://u:p@127.0.0.1:5432/b', roles: [{ name: 'app_user' }] } } };

    // Act
    const problems = problemsOf(() => parseConfig(input as Record<string, unknown>));

    // Assert
    expect(problems).toEqual([
      'databases.staging.roles: application roles cannot be given new passwords with provider "local": PostgreSQL roles belong to the whole server, so the local candidate shares them with production and a new password would lock production\'s applications out. Remove `roles`, or use provider rds-instance or aurora-cluster, where the candidate is a server of its own',
    ]);
  });

  it('refuses mixing providers', () => {
    const problems = problemsOf(() => parseConfig(awsConfigInput({ databases: { production: { provider: 'aurora-cluster', clusterIdentifier: 'support-prod' }, staging: rdsStagingInput() } as never })));

    expect(problems).toEqual(['databases.staging.provider: staging uses provider "rds-instance" but production uses "aurora-cluster"; both must use the same provider']);
  });
});

describe('validateDeployment (run by the CDK app before synthesizing)', () => {
  it('accepts the example-shaped config', () => {
    expect(validateDeployment(parseConfig(awsConfigInput())).staging.provider).toBe('rds-instance');
  });

  it('accepts rename mode without any hosted zone, and keeps refusing production as its staging target', () => {
    // Prepare
    const rename = (instanceIdentifier: string) => parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ instanceIdentifier, swap: { mode: 'rename' } }) } as never }));

    // Act / Assert
    expect(validateDeployment(rename('support-staging')).staging.swap).toEqual({ mode: 'rename' });
    expect(problemsOf(() => validateDeployment(rename('support-prod-replica')))).toEqual([
      'databases.staging.instanceIdentifier: "support-prod-replica" is a production database (databases.production or aws.protectedIdentifiers); staging must be another database',
    ]);
  });

  it("refuses a role secret in another account or region, and production's own secret as a role's", () => {
    // Prepare
    const prodSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-prod/app-db-Ab12Cd';
    const elsewhere = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:support-staging/app-db-Ab12Cd';
    const config = parseConfig(awsConfigInput({ databases: {
      production: { provider: 'rds-instance', instanceIdentifier: 'support-prod', secretArns: [prodSecret] },
      staging: rdsStagingInput({ roles: [{ name: 'app_user', secretArn: prodSecret }, { name: 'reporting', secretArn: elsewhere }] }),
    } as never }));

    // Act / Assert
    expect(problemsOf(() => validateDeployment(config))).toEqual([
      `databases.staging.roles[0].secretArn: ${prodSecret} is production's secret (databases.production.secretArns): role "app_user" needs staging's own secret`,
      `databases.staging.roles[1].secretArn: ${elsewhere} is in us-east-1/123456789012 but the stack deploys to eu-west-1/123456789012`,
    ]);
  });

  it('refuses a production database named as the staging target', () => {
    const config = parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ instanceIdentifier: 'support-prod-replica' }) } as never }));

    expect(problemsOf(() => validateDeployment(config))).toEqual([
      'databases.staging.instanceIdentifier: "support-prod-replica" is a production database (databases.production or aws.protectedIdentifiers); staging must be another database',
    ]);
  });

  it('refuses a candidate prefix a production identifier starts with', () => {
    const config = parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ candidatePrefix: 'support' }) } as never }));

    expect(problemsOf(() => validateDeployment(config))).toEqual(expect.arrayContaining([expect.stringContaining('databases.staging.candidatePrefix: production database "support-prod" starts with the candidate prefix')]));
  });

  it.each([
    ['no aws section', { aws: undefined }, 'aws: the AWS deployment needs an `aws` section'],
  ])('refuses %s', (_label, options, message) => {
    const config = parseConfig(awsConfigInput(options));

    expect(problemsOf(() => validateDeployment(config))[0]).toContain(message);
  });

  it.each([
    ['no VPC', (network: Record<string, unknown>) => { delete network['vpcId']; }, 'aws.network.vpcId: '],
    ['no subnets', (network: Record<string, unknown>) => { network['subnetIds'] = []; }, 'aws.network.subnetIds: at least one private subnet'],
    ['no security groups', (network: Record<string, unknown>) => { network['securityGroupIds'] = []; }, 'aws.network.securityGroupIds: at least one security group'],
  ])('refuses a config with %s, naming the key', (_label, change, message) => {
    const aws = awsInput();
    change(aws['network'] as Record<string, unknown>);

    expect(problemsOf(() => parseConfig(awsConfigInput({ aws })))).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it('refuses one subnet, and secrets or keys from another region or account', () => {
    const aws = awsInput({ network: { ...(awsInput()['network'] as object), subnetIds: ['subnet-0123456789abcdef0'], availabilityZones: ['eu-west-1a'] } });
    const config = parseConfig(awsConfigInput({ aws, databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf' }) } as never }));

    expect(problemsOf(() => validateDeployment(config))).toEqual([
      'databases.staging.secretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf is in us-east-1/123456789012 but the stack deploys to eu-west-1/123456789012',
      'aws.network.subnetIds: give at least two private subnets in different availability zones, so a zone outage does not stop the refresh',
    ]);
  });

  it('refuses a local config', () => {
    expect(problemsOf(() => validateDeployment(parseConfig(makeConfigInput() as Record<string, unknown>)))[0]).toContain('databases.production.provider: the AWS deployment needs provider "rds-instance" or "aurora-cluster"');
  });
});
