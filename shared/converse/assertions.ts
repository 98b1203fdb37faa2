import { isDeepStrictEqual } from 'node:util';
import type { BotReply } from './connector';
import { compileJsonPath } from './jsonpath';
import type { Assertion } from './model';
import { renderTemplate } from './template';

/** The first assertion of a turn that did not hold, with what was expected and what the bot said. */
export interface AssertionFailure {
  /** The asserter, as written in convo terms (`contains`, `jsonPath $.x`, `within`). */
  readonly assertion: string;
  readonly expected: string;
  readonly actual: string;
}

/** The bot's messages as one text, the form text asserters check. */
export function replyText(reply: Pick<BotReply, 'messages'>): string {
  return reply.messages.join('\n');
}

/**
 * Checks one assertion against a reply. Expected strings are templates (`{{orderId}}`), rendered with
 * the conversation's variables. Returns undefined when the assertion holds.
 */
export function checkAssertion(
  assertion: Assertion,
  reply: Pick<BotReply, 'messages' | 'buttons' | 'body'>,
  variables: ReadonlyMap<string, string>,
): AssertionFailure | undefined {
  const text = replyText(reply);
  const render = (template: string): string => renderTemplate(template, variables);
  switch (assertion.kind) {
    case 'contains': {
      const values = assertion.values.map(render);
      const found = values.filter((value) => text.includes(value));
      const holds = assertion.mode === 'all' ? found.length === values.length : found.length > 0;
      return holds ? undefined : { assertion: 'contains', expected: `${assertion.mode} of ${JSON.stringify(values)}`, actual: text };
    }
    case 'notContains': {
      const values = assertion.values.map(render);
      const found = values.filter((value) => text.includes(value));
      return found.length === 0 ? undefined : { assertion: 'notContains', expected: `none of ${JSON.stringify(values)}`, actual: text };
    }
    case 'equals': {
      const value = render(assertion.value);
      return text.trim() === value.trim() ? undefined : { assertion: 'equals', expected: value, actual: text };
    }
    case 'regex': {
      const patterns = assertion.patterns.map((pattern) => new RegExp(render(pattern), assertion.flags));
      const matched = patterns.filter((pattern) => pattern.test(text));
      const holds = assertion.mode === 'all' ? matched.length === patterns.length : matched.length > 0;
      return holds ? undefined : { assertion: 'regex', expected: `${assertion.mode} of ${patterns.map(String).join(', ')}`, actual: text };
    }
    case 'jsonPath':
      return checkJsonPath(assertion, reply.body, render);
    case 'buttons': {
      const titles = assertion.titles.map(render);
      const missing = titles.filter((title) => !reply.buttons.includes(title));
      return missing.length === 0 ? undefined : { assertion: 'buttons', expected: JSON.stringify(titles), actual: JSON.stringify(reply.buttons) };
    }
  }
}

function checkJsonPath(
  assertion: Extract<Assertion, { kind: 'jsonPath' }>,
  body: unknown,
  render: (template: string) => string,
): AssertionFailure | undefined {
  const selected = compileJsonPath(assertion.path).select(body);
  const name = `jsonPath ${assertion.path}`;
  const actual = selected.length === 0 ? '(nothing)' : JSON.stringify(selected.length === 1 ? selected[0] : selected);
  if (assertion.exists !== undefined && (selected.length > 0) !== assertion.exists) {
    return { assertion: name, expected: assertion.exists ? 'exists' : 'does not exist', actual };
  }
  if (assertion.equals !== undefined) {
    const expected = typeof assertion.equals === 'string' ? render(assertion.equals) : assertion.equals;
    if (!selected.some((value) => isDeepStrictEqual(value, expected))) return { assertion: name, expected: JSON.stringify(expected), actual };
  }
  if (assertion.matches !== undefined) {
    const pattern = new RegExp(render(assertion.matches));
    if (!selected.some((value) => typeof value !== 'object' && pattern.test(String(value)))) return { assertion: name, expected: `matches ${pattern}`, actual };
  }
  return undefined;
}
