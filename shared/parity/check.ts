import { applyPlan, planApply, type AppliedChange, type BlockedChange } from './apply';
import { compareConfigs, type DriftEntry, type DriftKind } from './compare';
import type { ParityPolicy, ProbeConfig } from './config-schema';
import type { Fingerprint } from './fingerprint';
import { runProbes, type ProbeResult } from './probes';
import type { ConfigSource } from './sources/source';

/** Everything {@link checkParity} needs; sources and fetch are injected. */
export interface ParityCheckInput {
  readonly production: ConfigSource;
  readonly staging: ConfigSource;
  readonly policy: ParityPolicy;
  readonly probes?: readonly ProbeConfig[];
  readonly fingerprint: Fingerprint;
  /** Write the safe fixes to staging, then compare again. */
  readonly apply?: boolean;
  readonly policyFile?: string;
  readonly fetch?: typeof fetch;
}

/** The result of a parity check: what is still out of policy after any fixes. Holds no secret value. */
export interface ParityResult {
  readonly production: string;
  readonly staging: string;
  readonly drift: readonly DriftEntry[];
  readonly counts: Readonly<Record<DriftKind, number>>;
  readonly keysCompared: number;
  readonly warnings: readonly string[];
  readonly probes: readonly ProbeResult[];
  readonly applied: readonly AppliedChange[];
  readonly blocked: readonly BlockedChange[];
  /** No drift, no leak and no failed probe. */
  readonly passed: boolean;
}

/**
 * Reads both sources, compares them under the policy, optionally applies the safe fixes through the
 * staging source and compares again, then runs the key probes against staging's values.
 */
export async function checkParity(input: ParityCheckInput): Promise<ParityResult> {
  const production = await input.production.read();
  let staging = await input.staging.read();
  let comparison = compareConfigs(production, staging, input.policy, input.fingerprint, input.policyFile);
  let applied: readonly AppliedChange[] = [];
  let blocked: readonly BlockedChange[] = [];
  if (input.apply) {
    const plan = planApply(comparison.drift, comparison.rules, production);
    await applyPlan(input.staging, plan);
    ({ applied, blocked } = plan);
    if (plan.changes.size > 0) {
      staging = await input.staging.read();
      comparison = compareConfigs(production, staging, input.policy, input.fingerprint, input.policyFile);
    }
  }
  const probes = await runProbes(input.probes ?? [], staging, input.fetch);
  const counts: Record<DriftKind, number> = { missing: 0, differs: 0, leakedSecret: 0, extra: 0 };
  for (const entry of comparison.drift) counts[entry.kind] += 1;
  return {
    production: input.production.description,
    staging: input.staging.description,
    drift: comparison.drift,
    counts,
    keysCompared: comparison.keysCompared,
    warnings: comparison.warnings,
    probes,
    applied,
    blocked,
    passed: comparison.drift.length === 0 && probes.every((probe) => probe.status !== 'failed'),
  };
}
