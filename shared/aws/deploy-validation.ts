import type { Config } from '../config/schema';
import { ConfigError, type InputProblem } from '../errors';
import { awsDeployment, productionIdentifier, stagingIdentifier, type AwsDeployment } from './resources';

/**
 * The checks the CDK app runs before it synthesizes anything: a config that would point rehearsal at
 * production, or leave the Lambdas without a network, fails here with one message per problem, long
 * before a deploy. (The schema already checked each value's shape; these checks relate values.)
 *
 * @throws {@link ConfigError} listing every problem with its config path.
 */
export function validateDeployment(config: Config, file?: string): AwsDeployment {
  const deployment = awsDeployment(config);
  const { aws, production, staging } = deployment;
  const where = file === undefined ? {} : { file };
  const problems: InputProblem[] = [];
  const protectedIds = new Set([productionIdentifier(production), ...aws.protectedIdentifiers].map((id) => id.toLowerCase()));
  const stagingKey = staging.provider === 'rds-instance' ? 'instanceIdentifier' : 'clusterIdentifier';

  if (protectedIds.has(stagingIdentifier(staging).toLowerCase())) {
    problems.push({ ...where, path: `databases.staging.${stagingKey}`, message: `"${stagingIdentifier(staging)}" is a production database (databases.production or aws.protectedIdentifiers); staging must be another database` });
  }
  for (const id of protectedIds) {
    if (id.startsWith(`${staging.candidatePrefix.toLowerCase()}-`)) {
      problems.push({ ...where, path: 'databases.staging.candidatePrefix', message: `production database "${id}" starts with the candidate prefix "${staging.candidatePrefix}-": choose a prefix no production identifier starts with` });
    }
  }
  for (const [path, arn] of [['databases.staging.secretArn', staging.secretArn], ['databases.staging.kmsKeyId', staging.kmsKeyId]] as const) {
    const [, , , region, account] = arn.split(':');
    if (region !== aws.region || account !== aws.account) {
      problems.push({ ...where, path, message: `${arn} is in ${region}/${account} but the stack deploys to ${aws.region}/${aws.account}` });
    }
  }
  for (const [index, role] of staging.roles.entries()) {
    const path = `databases.staging.roles[${index}].secretArn`;
    const [, , , region, account] = role.secretArn.split(':');
    if (region !== aws.region || account !== aws.account) {
      problems.push({ ...where, path, message: `${role.secretArn} is in ${region}/${account} but the stack deploys to ${aws.region}/${aws.account}` });
    }
    if (production.secretArns.some((arn) => arn.toLowerCase() === role.secretArn.toLowerCase())) {
      problems.push({ ...where, path, message: `${role.secretArn} is production's secret (databases.production.secretArns): role "${role.name}" needs staging's own secret` });
    }
  }
  if (aws.network.subnetIds.length < 2) {
    problems.push({ ...where, path: 'aws.network.subnetIds', message: 'give at least two private subnets in different availability zones, so a zone outage does not stop the refresh' });
  }
  if (aws.network.availabilityZones.length !== aws.network.subnetIds.length) {
    problems.push({ ...where, path: 'aws.network.availabilityZones', message: `give one availability zone per subnet (${aws.network.subnetIds.length} subnets, ${aws.network.availabilityZones.length} zones)` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deployment;
}
