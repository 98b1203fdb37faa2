import type { DriftEntry } from './compare';
import type { KeyRule } from './policy';
import type { ConfigSource } from './sources/source';

/** A key `--apply` wrote to staging, and why. */
export interface AppliedChange {
  readonly key: string;
  readonly action: 'copy' | 'override';
}

/** A safe-looking fix `--apply` refused, for a person to look at. */
export interface BlockedChange {
  readonly key: string;
  readonly reason: string;
}

/** What `--apply` would write: the staging changes, and the ones refused. */
export interface ApplyPlan {
  readonly changes: ReadonlyMap<string, string>;
  readonly applied: readonly AppliedChange[];
  readonly blocked: readonly BlockedChange[];
}

/**
 * Plans the safe fixes: copy keys missing or different in staging get production's value; override
 * keys get their override. Nothing else is touched (secrets, stagingOnly, unclassified and extra keys
 * are for a person). A value equal to one of production's secrets (a mustDiffer or unclassified key)
 * is never written, even for a copy key: a pattern such as `DB_*: copy` can catch `DB_PASSWORD`.
 */
export function planApply(
  drift: readonly DriftEntry[],
  rules: ReadonlyMap<string, KeyRule>,
  production: ReadonlyMap<string, string>,
): ApplyPlan {
  const secretValues = new Set<string>();
  for (const [key, value] of production) {
    const action = rules.get(key)?.action;
    if (action === undefined || action === 'mustDiffer') secretValues.add(value);
  }
  const changes = new Map<string, string>();
  const applied: AppliedChange[] = [];
  const blocked: BlockedChange[] = [];
  for (const entry of drift) {
    if (entry.kind !== 'missing' && entry.kind !== 'differs') continue;
    const action = rules.get(entry.key)?.action;
    let value: string | undefined;
    let kind: AppliedChange['action'];
    if (action === 'copy') {
      value = production.get(entry.key);
      kind = 'copy';
    } else if (action !== undefined && typeof action === 'object') {
      value = action.override;
      kind = 'override';
    } else {
      continue;
    }
    if (value === undefined) continue;
    if (secretValues.has(value)) {
      blocked.push({ key: entry.key, reason: "the value equals one of production's secrets; set staging's own value by hand" });
      continue;
    }
    changes.set(entry.key, value);
    applied.push({ key: entry.key, action: kind });
  }
  return { changes, applied, blocked };
}

/** Writes a plan through the staging source (the same provider the comparison read). */
export async function applyPlan(staging: ConfigSource, plan: ApplyPlan): Promise<void> {
  if (plan.changes.size > 0) await staging.write(plan.changes);
}
