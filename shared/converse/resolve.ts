import type { InputProblem } from '../errors';
import type { DraftConvo, DraftSet, DraftTurn } from './draft';
import { compileJsonPath, JsonPathSyntaxError } from './jsonpath';
import type { Assertion, Conversation, Turn, Where } from './model';
import { BUILT_IN_VARIABLES, templateVariables } from './template';

/** What resolution may rely on besides the files: data rows per CSV file, variables the connector captures. */
export interface ResolveInputs {
  readonly dataByFile: ReadonlyMap<string, Array<Record<string, string>>>;
  readonly connectorVariables: readonly string[];
}

/**
 * Turns drafts into runnable conversations: includes partial convos (depth first, cycles reported),
 * looks up utterance lists, and checks before any traffic that every `{{variable}}` has a source
 * (built-in, a data column, a connector capture or a capture in an EARLIER turn), that regular
 * expressions and JSONPaths compile, and that names are unique. Problems carry file and line.
 */
export function resolveDrafts(set: DraftSet, inputs: ResolveInputs): { conversations: Conversation[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const byName = new Map<string, DraftConvo>();
  for (const draft of set.drafts) {
    const existing = byName.get(draft.name);
    if (existing) problems.push(problemAt(draft.where, 'name', `convo name ${JSON.stringify(draft.name)} is also used in ${formatWhere(existing.where)}`));
    else byName.set(draft.name, draft);
  }
  const conversations: Conversation[] = [];
  for (const draft of set.drafts) {
    if (draft.partial) continue;
    const turns = flatten(draft, byName, set, problems, []);
    const data = draft.dataFile === undefined ? [] : (inputs.dataByFile.get(draft.dataFile) ?? []);
    checkVariables(turns, new Set([...BUILT_IN_VARIABLES, ...inputs.connectorVariables, ...Object.keys(data[0] ?? {})]), problems);
    if (turns.length === 0) {
      problems.push(problemAt(draft.where, 'turns', 'the convo has no turns after including its partial convos'));
      continue;
    }
    conversations.push({ name: draft.name, tags: draft.tags, weight: draft.weight, turns, data, where: draft.where });
  }
  return { conversations, problems };
}

function flatten(draft: DraftConvo, byName: Map<string, DraftConvo>, set: DraftSet, problems: InputProblem[], stack: string[]): Turn[] {
  const turns: Turn[] = [];
  for (const step of draft.steps) {
    if (step.kind === 'turn') {
      const turn = lookUp(step.turn, set, problems);
      if (turn) turns.push(turn);
      continue;
    }
    const included = byName.get(step.name);
    if (!included) {
      problems.push(problemAt(step.where, 'include', `no convo or partial convo named ${JSON.stringify(step.name)}; known: ${[...byName.keys()].join(', ') || '(none)'}`));
    } else if (stack.includes(step.name) || step.name === draft.name) {
      problems.push(problemAt(step.where, 'include', `including ${JSON.stringify(step.name)} makes a cycle: ${[...stack, draft.name, step.name].join(' -> ')}`));
    } else {
      turns.push(...flatten(included, byName, set, problems, [...stack, draft.name]));
    }
  }
  return turns;
}

function lookUp(turn: DraftTurn, set: DraftSet, problems: InputProblem[]): Turn | undefined {
  if (turn.user.kind !== 'utterances') return { ...turn, user: turn.user };
  const list = set.utterances.get(turn.user.name);
  if (list) return { ...turn, user: { kind: 'anyOf', options: list.options } };
  if (turn.user.orText) return { ...turn, user: { kind: 'text', text: turn.user.name } };
  problems.push(problemAt(turn.where, 'user.utterances', `no utterance list named ${JSON.stringify(turn.user.name)}; known: ${[...set.utterances.keys()].join(', ') || '(none)'}`));
  return undefined;
}

function checkVariables(turns: readonly Turn[], known: Set<string>, problems: InputProblem[]): void {
  const available = new Set(known);
  for (const turn of turns) {
    const userTexts = turn.user.kind === 'text' ? [turn.user.text] : turn.user.options;
    for (const variable of userTexts.flatMap(templateVariables)) {
      if (!available.has(variable)) problems.push(problemAt(turn.where, 'user', neverCaptured(variable, available)));
    }
    for (const assertion of turn.expect) {
      for (const variable of assertionTemplates(assertion).flatMap(templateVariables)) {
        if (!available.has(variable)) problems.push(problemAt(turn.where, 'expect', neverCaptured(variable, available)));
      }
      checkCompiles(assertion, turn.where, problems);
    }
    for (const capture of turn.capture) {
      const message = compileProblem(capture.from, capture.expression);
      if (message) problems.push(problemAt(turn.where, `capture.${capture.name}`, message));
      available.add(capture.name);
    }
  }
}

function assertionTemplates(assertion: Assertion): string[] {
  switch (assertion.kind) {
    case 'contains':
    case 'notContains':
      return assertion.values;
    case 'equals':
      return [assertion.value];
    case 'regex':
      return assertion.patterns;
    case 'jsonPath':
      return [typeof assertion.equals === 'string' ? assertion.equals : '', assertion.matches ?? ''];
    case 'buttons':
      return assertion.titles;
  }
}

function checkCompiles(assertion: Assertion, where: Where, problems: InputProblem[]): void {
  const checks: Array<['regex' | 'jsonPath', string]> = [];
  if (assertion.kind === 'regex') checks.push(...assertion.patterns.map((pattern): ['regex', string] => ['regex', pattern]));
  if (assertion.kind === 'jsonPath') {
    checks.push(['jsonPath', assertion.path]);
    if (assertion.matches !== undefined) checks.push(['regex', assertion.matches]);
  }
  for (const [kind, expression] of checks) {
    const message = compileProblem(kind, expression);
    if (message) problems.push(problemAt(where, `expect.${assertion.kind}`, message));
  }
}

function compileProblem(kind: 'regex' | 'jsonPath', expression: string): string | undefined {
  try {
    // Templates are filled at run time; compile with a stand-in value to check the syntax now.
    if (kind === 'regex') new RegExp(expression.replace(/\{\{[^}]*\}\}/g, 'x'));
    else compileJsonPath(expression);
    return undefined;
  } catch (error) {
    return error instanceof JsonPathSyntaxError ? error.message : `invalid regular expression ${JSON.stringify(expression)}: ${(error as Error).message}`;
  }
}

function neverCaptured(variable: string, available: Set<string>): string {
  return `variable {{${variable}}} is never captured before this turn; available here: ${[...available].join(', ')}`;
}

function problemAt(where: Where, path: string, message: string): InputProblem {
  return { file: where.file, ...(where.line === undefined ? {} : { line: where.line }), path, message };
}

function formatWhere(where: Where): string {
  return where.line === undefined ? where.file : `${where.file}:${where.line}`;
}
