import { ConfigError, type InputProblem } from '../errors';
import type { ParityPolicy, PolicyAction } from './config-schema';

/** What the policy says about one key, and which pattern said it. */
export interface KeyRule {
  readonly action: PolicyAction;
  readonly pattern: string;
}

/** The policy applied to a set of keys. */
export interface Classification {
  /** The rule of each key a pattern matched; keys no pattern matched are absent. */
  readonly rules: ReadonlyMap<string, KeyRule>;
  /** Patterns that matched no key: a warning, since a typo there silently checks nothing. */
  readonly unusedPatterns: readonly string[];
}

/** Compiles a glob pattern (`*` any run of characters, `?` one character) to an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/**
 * Classifies keys under the policy. A key matched by two patterns is ambiguous: a {@link ConfigError}
 * (exit 2) naming the key and both patterns, one problem per key.
 */
export function classify(policy: ParityPolicy, keys: Iterable<string>, file?: string): Classification {
  const patterns = Object.entries(policy.keys).map(([pattern, action]) => ({ pattern, action, regexp: globToRegExp(pattern), used: false }));
  const rules = new Map<string, KeyRule>();
  const problems: InputProblem[] = [];
  for (const key of [...new Set(keys)].sort()) {
    const matching = patterns.filter((candidate) => candidate.regexp.test(key));
    for (const match of matching) match.used = true;
    const [first, second] = matching;
    if (second && first) {
      problems.push({
        path: 'policy.keys',
        message: `key ${key} is classified twice: by "${first.pattern}" (${describeAction(first.action)}) and by "${second.pattern}" (${describeAction(second.action)}); make the patterns disjoint`,
        ...(file === undefined ? {} : { file }),
      });
    } else if (first) {
      rules.set(key, { action: first.action, pattern: first.pattern });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { rules, unusedPatterns: patterns.filter((candidate) => !candidate.used).map((candidate) => candidate.pattern) };
}

/** `copy`, `mustDiffer`, ... or `override` (the override value itself is not secret, but stays out of messages). */
export function describeAction(action: PolicyAction): string {
  return typeof action === 'string' ? action : 'override';
}
