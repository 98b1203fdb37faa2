import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { AwsConfig } from '../../shared/aws/config-schema';
import type { Config } from '../../shared/config/schema';
import type { SourceConfig } from '../../shared/parity/config-schema';

/**
 * Read access for the reconcile phase to the config sources its `parity` section names, production's
 * and staging's alike: reading is all the phase does (it reports drift; it never applies it). Returns
 * the resource patterns granted, for the cdk-nag acknowledgements.
 */
export function grantParityReads(role: IRole, config: Config, aws: Pick<AwsConfig, 'account' | 'region'>): string[] {
  const parity = config.parity;
  if (!parity) return [];
  const patterns: string[] = [];
  for (const [side, source] of [['production', parity.production], ['staging', parity.staging]] as const) {
    patterns.push(...grantSource(role, side, source, aws));
  }
  return patterns;
}

function grantSource(role: IRole, side: string, source: SourceConfig, aws: Pick<AwsConfig, 'account' | 'region'>): string[] {
  const region = 'region' in source && source.region ? source.region : aws.region;
  const sid = (what: string): string => `Read${side === 'production' ? 'Production' : 'Staging'}${what}`;
  if ('ssmPath' in source) {
    const path = source.ssmPath.replace(/\/$/, '');
    const resources = [`arn:aws:ssm:${region}:${aws.account}:parameter${path}`, `arn:aws:ssm:${region}:${aws.account}:parameter${path}/*`];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: sid('Parameters'), actions: ['ssm:GetParametersByPath'], resources }));
    return resources.slice(1);
  }
  if ('secretsPrefix' in source || 'secretsTag' in source) {
    role.addToPrincipalPolicy(new PolicyStatement({ sid: sid('SecretList'), actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
    if ('secretsPrefix' in source) {
      const pattern = `arn:aws:secretsmanager:${region}:${aws.account}:secret:${source.secretsPrefix}*`;
      role.addToPrincipalPolicy(new PolicyStatement({ sid: sid('Secrets'), actions: ['secretsmanager:GetSecretValue'], resources: [pattern] }));
      return [pattern];
    }
    const pattern = `arn:aws:secretsmanager:${region}:${aws.account}:secret:*`;
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: sid('TaggedSecrets'), actions: ['secretsmanager:GetSecretValue'], resources: [pattern],
      conditions: { StringEquals: { [`aws:ResourceTag/${source.secretsTag.key}`]: source.secretsTag.value } },
    }));
    return [pattern];
  }
  if ('lambdaFunctions' in source) {
    role.addToPrincipalPolicy(new PolicyStatement({
      sid: sid('FunctionEnvironments'), actions: ['lambda:GetFunctionConfiguration'],
      resources: Object.values(source.lambdaFunctions).map((name) => (name.startsWith('arn:') ? name : `arn:aws:lambda:${region}:${aws.account}:function:${name}`)),
    }));
  }
  return [];
}
