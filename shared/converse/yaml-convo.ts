import path from 'node:path';
import { parseYamlDocument } from '../config/load';
import type { DraftConvo, DraftSet, DraftStep, DraftUserInput } from './draft';
import type { Assertion, Capture } from './model';
import { yamlConvoSchema, type YamlExpectItem, type YamlTurnItem } from './yaml-convo-schema';
import { yamlLineLocator } from './yaml-lines';

/**
 * Parses one YAML convo file into a draft (and its utterance lists). `file` is the name shown in
 * messages; `absoluteFile` is where a `data:` CSV path resolves from. A malformed file throws
 * `ConfigError` with one problem per mistake, each with file, line and path.
 */
export function parseYamlConvo(text: string, file: string, into: DraftSet, absoluteFile = file): void {
  const convo = parseYamlDocument(text, yamlConvoSchema, { file });
  const lineOf = yamlLineLocator(text);
  const where = (...at: (string | number)[]) => {
    const line = lineOf(at);
    return line === undefined ? { file } : { file, line };
  };
  for (const [name, options] of Object.entries(convo.utterances)) {
    into.utterances.set(name, { options, where: where('utterances', name) });
  }
  const steps = convo.turns.map((item, index): DraftStep => {
    if ('include' in item) return { kind: 'include', name: item.include, where: where('turns', index) };
    return { kind: 'turn', turn: { user: userInput(item.user), expect: item.expect.map(toAssertion), ...timing(item), capture: captures(item.capture), where: where('turns', index) } };
  });
  const draft: DraftConvo = {
    name: convo.name, partial: convo.partial, tags: convo.tags, weight: convo.weight, steps, where: where(),
    ...(convo.data === undefined ? {} : { dataFile: path.resolve(path.dirname(absoluteFile), convo.data) }),
  };
  into.drafts.push(draft);
}

function userInput(user: Extract<YamlTurnItem, { user: unknown }>['user']): DraftUserInput {
  if (typeof user === 'string') return { kind: 'text', text: user };
  if ('anyOf' in user) return { kind: 'anyOf', options: user.anyOf };
  return { kind: 'utterances', name: user.utterances };
}

function timing(item: Extract<YamlTurnItem, { user: unknown }>): { thinkMs: number; withinMs?: number } {
  return { thinkMs: item.think ?? 0, ...(item.within === undefined ? {} : { withinMs: item.within }) };
}

function captures(capture: Record<string, { jsonPath: string } | { regex: string }>): Capture[] {
  return Object.entries(capture).map(([name, from]) =>
    'jsonPath' in from ? { name, from: 'jsonPath', expression: from.jsonPath } : { name, from: 'regex', expression: from.regex },
  );
}

/** Maps one YAML expect item (validated to hold exactly one asserter) to the model's assertion. */
function toAssertion(item: YamlExpectItem): Assertion {
  if (item.contains) return { kind: 'contains', values: item.contains, mode: 'all' };
  if (item.containsAny) return { kind: 'contains', values: item.containsAny, mode: 'any' };
  if (item.notContains) return { kind: 'notContains', values: item.notContains };
  if (item.equals !== undefined) return { kind: 'equals', value: item.equals };
  if (item.regex) return { kind: 'regex', patterns: item.regex, mode: 'all', flags: '' };
  if (item.regexAny) return { kind: 'regex', patterns: item.regexAny, mode: 'any', flags: '' };
  if (item.jsonPath) {
    const { path: jsonPath, equals, exists, matches } = item.jsonPath;
    return { kind: 'jsonPath', path: jsonPath, ...(equals === undefined ? {} : { equals }), ...(exists === undefined ? {} : { exists }), ...(matches === undefined ? {} : { matches }) };
  }
  return { kind: 'buttons', titles: item.buttons ?? [] };
}
