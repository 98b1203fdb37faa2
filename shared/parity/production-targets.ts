import { ProductionWriteBlockedError } from '../errors';
import type { ParityConfig, SourceConfig } from './config-schema';

/**
 * What belongs to production in a parity config: its SSM path, its secrets (by name prefix or tag)
 * and its Lambda functions. Parity writes to staging only, and never to any of these.
 */
export interface ProductionTargets {
  /** SSM paths (`/bot/prod/`): a parameter under one is production's. */
  readonly ssmPaths: readonly string[];
  /** Secret name prefixes: a secret whose name starts with one is production's. */
  readonly secretPrefixes: readonly string[];
  /** Secret tags: a secret carrying one is production's. */
  readonly secretTags: readonly { readonly key: string; readonly value: string }[];
  /** Lambda function names (compared without ARN or qualifier). */
  readonly lambdaFunctions: readonly string[];
}

/** One thing a write would change. */
export type WriteTarget =
  | { readonly kind: 'ssm'; readonly name: string }
  | { readonly kind: 'secret'; readonly name: string; readonly tags?: readonly { readonly key: string; readonly value: string }[] }
  | { readonly kind: 'lambda'; readonly functionName: string };

/** The production side of a parity config, as write targets to refuse. */
export function productionTargetsOf(parity: Pick<ParityConfig, 'production'>): ProductionTargets {
  const source: SourceConfig = parity.production;
  return {
    ssmPaths: 'ssmPath' in source ? [source.ssmPath] : [],
    secretPrefixes: 'secretsPrefix' in source ? [source.secretsPrefix] : [],
    secretTags: 'secretsTag' in source ? [source.secretsTag] : [],
    lambdaFunctions: 'lambdaFunctions' in source ? Object.values(source.lambdaFunctions).map(functionNameOf) : [],
  };
}

/** A function name from a name, a full or partial ARN, with or without a qualifier. */
export function functionNameOf(nameOrArn: string): string {
  const match = /(?:^|:)function:([^:]+)/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn.split(':')[0] ?? nameOrArn;
}

/** A secret name from a name or an ARN (whose name carries AWS's random 6-character suffix, which a prefix still matches). */
export function secretNameOf(nameOrArn: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

/** An SSM parameter name from a name or an ARN (`arn:aws:ssm:<region>:<account>:parameter/bot/prod/KEY`). */
export function parameterNameOf(nameOrArn: string): string {
  const match = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

/** Why a target is production's, or undefined when it is not. */
export function productionReason(target: WriteTarget, production: ProductionTargets): string | undefined {
  if (target.kind === 'ssm') {
    const name = parameterNameOf(target.name);
    const path = production.ssmPaths.find((prefix) => name.startsWith(prefix) || `${name}/` === prefix);
    return path === undefined ? undefined : `SSM parameter ${name} is under production's path ${path}`;
  }
  if (target.kind === 'secret') {
    const name = secretNameOf(target.name);
    const prefix = production.secretPrefixes.find((candidate) => name.startsWith(candidate));
    if (prefix !== undefined) return `secret ${name} has production's prefix ${prefix}`;
    const tag = production.secretTags.find((wanted) => (target.tags ?? []).some((tag) => tag.key === wanted.key && tag.value === wanted.value));
    return tag === undefined ? undefined : `secret ${name} carries production's tag ${tag.key}=${tag.value}`;
  }
  const name = functionNameOf(target.functionName);
  return production.lambdaFunctions.includes(name) ? `Lambda function ${name} is one of production's` : undefined;
}

/**
 * Refuses a write when any of its targets is production's, before anything is sent: parity writes
 * staging only. Names the target and why, never a value.
 *
 * @throws {@link ProductionWriteBlockedError}
 */
export function assertNoProductionTarget(targets: readonly WriteTarget[], production: ProductionTargets, source: string): void {
  for (const target of targets) {
    const reason = productionReason(target, production);
    if (reason !== undefined) {
      throw new ProductionWriteBlockedError(`refused to write through ${source}: ${reason}. rehearsal parity writes staging only; check the parity section's staging source.`);
    }
  }
}
