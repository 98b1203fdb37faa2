import { isDeepStrictEqual } from 'node:util';
import type { BotReply } from './connector';
import { compileJsonPath, type JsonPath } from './jsonpath';
import type { Assertion } from './model';
import { compileTemplate, compileTemplates } from './template';

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

/** A reply as assertions see it. */
type CheckedReply = Pick<BotReply, 'messages' | 'buttons' | 'body'>;

/**
 * An assertion compiled once per turn: constant templates rendered, regular expressions and JSONPaths
 * built on first use (so a bad one still fails when checked, as before) and then reused. `check` gets
 * the reply's text ({@link replyText}) too, computed once per reply for every assertion of a turn.
 */
export interface CompiledAssertion {
  readonly kind: Assertion['kind'];
  check(reply: CheckedReply, text: string, variables: ReadonlyMap<string, string>): AssertionFailure | undefined;
}

/**
 * Checks one assertion against a reply. Expected strings are templates (`{{orderId}}`), rendered with
 * the conversation's variables. Returns undefined when the assertion holds.
 */
export function checkAssertion(assertion: Assertion, reply: CheckedReply, variables: ReadonlyMap<string, string>): AssertionFailure | undefined {
  return compileAssertion(assertion).check(reply, replyText(reply), variables);
}

/** Compiles an assertion for repeated checks; `check` gives exactly what {@link checkAssertion} gives. */
export function compileAssertion(assertion: Assertion): CompiledAssertion {
  switch (assertion.kind) {
    case 'contains': {
      const values = compileTemplates(assertion.values);
      const { mode } = assertion;
      return {
        kind: 'contains',
        check(_reply, text, variables) {
          const rendered = values(variables);
          let found = 0;
          for (const value of rendered) if (text.includes(value)) found += 1;
          const holds = mode === 'all' ? found === rendered.length : found > 0;
          return holds ? undefined : { assertion: 'contains', expected: `${mode} of ${JSON.stringify(rendered)}`, actual: text };
        },
      };
    }
    case 'notContains': {
      const values = compileTemplates(assertion.values);
      return {
        kind: 'notContains',
        check(_reply, text, variables) {
          const rendered = values(variables);
          return rendered.some((value) => text.includes(value)) ? { assertion: 'notContains', expected: `none of ${JSON.stringify(rendered)}`, actual: text } : undefined;
        },
      };
    }
    case 'equals': {
      const value = compileTemplate(assertion.value);
      return {
        kind: 'equals',
        check(_reply, text, variables) {
          const expected = value(variables);
          return text.trim() === expected.trim() ? undefined : { assertion: 'equals', expected, actual: text };
        },
      };
    }
    case 'regex':
      return compileRegex(assertion);
    case 'jsonPath':
      return compileJsonPathAssertion(assertion);
    case 'buttons': {
      const titles = compileTemplates(assertion.titles);
      return {
        kind: 'buttons',
        check(reply, _text, variables) {
          const rendered = titles(variables);
          const complete = rendered.every((title) => reply.buttons.includes(title));
          return complete ? undefined : { assertion: 'buttons', expected: JSON.stringify(rendered), actual: JSON.stringify(reply.buttons) };
        },
      };
    }
  }
}

function compileRegex(assertion: Extract<Assertion, { kind: 'regex' }>): CompiledAssertion {
  const sources = compileTemplates(assertion.patterns);
  const { mode, flags } = assertion;
  // Constant patterns are built once, on the first check (an invalid one throws there, every time, as before).
  let constant: RegExp[] | undefined;
  return {
    kind: 'regex',
    check(_reply, text, variables) {
      const patterns = sources.constant ? (constant ??= sources(variables).map((source) => new RegExp(source, flags))) : sources(variables).map((source) => new RegExp(source, flags));
      let matched = 0;
      for (const pattern of patterns) {
        // A fresh RegExp starts at index 0; a reused global or sticky one must too.
        pattern.lastIndex = 0;
        if (pattern.test(text)) matched += 1;
      }
      const holds = mode === 'all' ? matched === patterns.length : matched > 0;
      return holds ? undefined : { assertion: 'regex', expected: `${mode} of ${patterns.map(String).join(', ')}`, actual: text };
    },
  };
}

function compileJsonPathAssertion(assertion: Extract<Assertion, { kind: 'jsonPath' }>): CompiledAssertion {
  const name = `jsonPath ${assertion.path}`;
  const equals = typeof assertion.equals === 'string' ? compileTemplate(assertion.equals) : undefined;
  const matches = assertion.matches === undefined ? undefined : compileTemplate(assertion.matches);
  let path: JsonPath | undefined;
  let constantPattern: RegExp | undefined;
  return {
    kind: 'jsonPath',
    check(reply, _text, variables) {
      path ??= compileJsonPath(assertion.path);
      const selected = path.select(reply.body);
      const actual = (): string => (selected.length === 0 ? '(nothing)' : JSON.stringify(selected.length === 1 ? selected[0] : selected));
      if (assertion.exists !== undefined && (selected.length > 0) !== assertion.exists) {
        return { assertion: name, expected: assertion.exists ? 'exists' : 'does not exist', actual: actual() };
      }
      if (assertion.equals !== undefined) {
        const expected = equals ? equals(variables) : assertion.equals;
        if (!selected.some((value) => isDeepStrictEqual(value, expected))) return { assertion: name, expected: JSON.stringify(expected), actual: actual() };
      }
      if (matches) {
        const pattern = matches.constant ? (constantPattern ??= new RegExp(matches(variables))) : new RegExp(matches(variables));
        if (!selected.some((value) => typeof value !== 'object' && pattern.test(String(value)))) return { assertion: name, expected: `matches ${pattern}`, actual: actual() };
      }
      return undefined;
    },
  };
}
