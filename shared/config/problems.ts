import type { z } from 'zod';
import type { InputProblem } from '../errors';

/** Finds the 1-based line of a path inside the source document, when the document came from a file. */
export type LineLocator = (path: readonly PropertyKey[]) => number | undefined;

/**
 * Turns zod issues into one {@link InputProblem} per problem, each with its dotted path (and line, when
 * a locator is given). Union failures are unwrapped to the branch that got furthest, so a misspelt
 * strategy deep in a table reports that strategy, not "invalid table".
 */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  options: { file?: string; locate?: LineLocator; prefix?: readonly PropertyKey[] } = {},
): InputProblem[] {
  const prefix = options.prefix ?? [];
  const problems: InputProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const nested = nestedIssues(issue);
    if (nested) {
      problems.push(...issuesToProblems(nested, { ...options, prefix: path }));
      continue;
    }
    const line = options.locate?.(path);
    problems.push({
      path: formatPath(path),
      message: issue.message,
      ...(options.file === undefined ? {} : { file: options.file }),
      ...(line === undefined ? {} : { line }),
    });
  }
  return dedupe(problems);
}

/** The issues to report instead of a union or record-key issue, or undefined to report it as it is. */
function nestedIssues(issue: z.core.$ZodIssue): readonly z.core.$ZodIssue[] | undefined {
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    return issue.issues.map((inner) => ({ ...inner, message: `key: ${inner.message}` }));
  }
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return undefined;
  // Pick the branch that got deepest into the input: its issues say what is really wrong. A branch
  // that rejected the object's keys outright was the wrong shape to begin with; among equals, the one
  // with fewer complaints is the closer fit.
  let best: readonly z.core.$ZodIssue[] | undefined;
  let bestScore: readonly [number, number] = [0, 0];
  for (const branch of issue.errors) {
    const wrongShape = branch.some((inner) => inner.code === 'unrecognized_keys' && inner.path.length === 0);
    const depth = wrongShape ? 0 : Math.max(0, ...branch.map((inner) => inner.path.length));
    const score = [depth, -branch.length] as const;
    if (best === undefined || score[0] > bestScore[0] || (score[0] === bestScore[0] && score[1] > bestScore[1])) {
      best = branch;
      bestScore = score;
    }
  }
  if (bestScore[0] === 0) return undefined;
  return best;
}

/** `['tables', 'public.users', 'columns', 'email']` becomes `tables.public.users.columns.email`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.').replace(/\.\[/g, '[');
}

function dedupe(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
