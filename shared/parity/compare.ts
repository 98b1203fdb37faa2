import type { Fingerprint } from './fingerprint';
import { classify, describeAction, type KeyRule } from './policy';
import type { ParityPolicy } from './config-schema';

/** The four kinds of drift, as `--json` prints them. */
export type DriftKind = 'missing' | 'differs' | 'leakedSecret' | 'extra';

/** One key out of policy. Values appear only for copy and override keys; anything else is a fingerprint. */
export interface DriftEntry {
  readonly key: string;
  readonly kind: DriftKind;
  /** The policy action, or `unclassified` when no pattern matched. */
  readonly action: string;
  readonly pattern?: string;
  /** What production has (copy keys: the value; secrets and unclassified keys: a fingerprint). */
  readonly production?: string;
  /** What staging has, shown the same way. */
  readonly staging?: string;
  /** What staging should have (override keys). */
  readonly expected?: string;
}

/** The comparison of two key sets under a policy. */
export interface Comparison {
  readonly drift: readonly DriftEntry[];
  readonly warnings: readonly string[];
  /** The rule of every key a pattern matched. */
  readonly rules: ReadonlyMap<string, KeyRule>;
  readonly keysCompared: number;
}

/**
 * Classifies every key present on either side. Copy keys: staging equals production. mustDiffer
 * (secrets): staging has its own value; equal to production is a leak, shown only as a fingerprint.
 * stagingOnly: staging has it. override: staging has exactly the override value. ignore: nothing.
 * Unclassified keys: present on both sides with equal values (values shown as fingerprints, since
 * nobody said they are not secret); one side only is missing or extra.
 */
export function compareConfigs(
  production: ReadonlyMap<string, string>,
  staging: ReadonlyMap<string, string>,
  policy: ParityPolicy,
  fingerprint: Fingerprint,
  policyFile?: string,
): Comparison {
  const keys = [...new Set([...production.keys(), ...staging.keys()])].sort();
  const { rules, unusedPatterns } = classify(policy, keys, policyFile);
  const drift: DriftEntry[] = [];
  for (const key of keys) {
    const entry = driftOf(key, production.get(key), staging.get(key), rules.get(key), fingerprint);
    if (entry) drift.push(entry);
  }
  const warnings = unusedPatterns.map((pattern) => `policy pattern "${pattern}" matches no key in production or staging`);
  return { drift, warnings, rules, keysCompared: keys.length };
}

function driftOf(key: string, prod: string | undefined, stage: string | undefined, rule: KeyRule | undefined, fingerprint: Fingerprint): DriftEntry | undefined {
  const hidden = (value: string | undefined) => (value === undefined ? {} : { production: fingerprint(value) });
  const hiddenStaging = (value: string | undefined) => (value === undefined ? {} : { staging: fingerprint(value) });
  if (!rule) {
    const base = { key, action: 'unclassified' };
    if (prod !== undefined && stage === undefined) return { ...base, kind: 'missing', ...hidden(prod) };
    if (prod === undefined && stage !== undefined) return { ...base, kind: 'extra', ...hiddenStaging(stage) };
    return prod === stage ? undefined : { ...base, kind: 'differs', ...hidden(prod), ...hiddenStaging(stage) };
  }
  const base = { key, action: describeAction(rule.action), pattern: rule.pattern };
  const { action } = rule;
  if (action === 'ignore') return undefined;
  if (action === 'copy') {
    if (prod !== undefined && stage === undefined) return { ...base, kind: 'missing', production: prod };
    if (prod === undefined && stage !== undefined) return { ...base, kind: 'extra', staging: stage };
    return prod === stage ? undefined : { ...base, kind: 'differs', ...(prod === undefined ? {} : { production: prod }), ...(stage === undefined ? {} : { staging: stage }) };
  }
  if (action === 'mustDiffer') {
    if (stage === undefined) return { ...base, kind: 'missing', ...hidden(prod) };
    return prod === stage ? { ...base, kind: 'leakedSecret', ...hidden(prod), ...hiddenStaging(stage) } : undefined;
  }
  if (action === 'stagingOnly') return stage === undefined ? { ...base, kind: 'missing' } : undefined;
  if (stage === undefined) return { ...base, kind: 'missing', expected: action.override };
  return stage === action.override ? undefined : { ...base, kind: 'differs', expected: action.override, staging: stage };
}
