import { compileAssertion, checkAssertion } from '../../../shared/converse/assertions';
import type { Assertion } from '../../../shared/converse/model';
import { compileJsonBody, compileTemplate, compileTemplates, MissingVariableError, renderJsonTemplate, renderTemplate } from '../../../shared/converse/template';

const variables = new Map([['text', 'say "hi"\n\u2028 é'], ['conversationId', 'c-1'], ['orderId', 'A-17'], ['n', '3']]);

/** What a thrown error looks like, or the value: to compare two renderings whether they throw or not. */
function outcome(render: () => unknown): unknown {
  try {
    return { value: render() };
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
}

describe('compileJsonBody', () => {
  it('writes exactly the JSON that stringifying the rendered template gives, for every shape of body', () => {
    // Prepare: the default body, nesting, integer-like keys (which JSON lists first), a __proto__ key, constants.
    const bodies: unknown[] = [
      { conversationId: '{{conversationId}}', text: '{{text}}' },
      { b: 1, 2: '{{n}}', a: [true, null, -0, 1.5e300, '{{ orderId }} and {{text}}', [], {}], 1: { x: 'plain' } },
      JSON.parse('{"__proto__": "{{orderId}}", "k": {"__proto__": 2}}'),
      '{{text}}', 'constant', 42, null, [], ['{{n}}', { deep: ['{{conversationId}}'] }],
      { missing: '{{nowhere}}', after: '{{text}}' }, ['{{first}}', '{{second}}'],
    ];
    for (const body of bodies) {
      // Act
      const compiled = outcome(() => compileJsonBody(body)(variables));
      // Assert
      expect(compiled).toEqual(outcome(() => JSON.stringify(renderJsonTemplate(body, variables))));
    }
    expect(outcome(() => compileJsonBody(['{{first}}', '{{second}}'])(variables))).toEqual({ error: 'MissingVariableError', message: 'variable {{first}} has no value' });
  });

  it('keeps the generic path for values JSON has no plain form of', () => {
    // Prepare: undefined members (dropped by JSON.stringify), a Date (toJSON), an array hole.
    // eslint-disable-next-line no-sparse-arrays
    const bodies: unknown[] = [{ a: undefined, b: '{{n}}' }, { at: new Date(0), text: '{{text}}' }, [1, , '{{n}}'], [undefined]];
    for (const body of bodies) {
      // Act and Assert
      expect(compileJsonBody(body)(variables)).toBe(JSON.stringify(renderJsonTemplate(body, variables)));
    }
  });
});

describe('compileTemplate', () => {
  it('renders as renderTemplate does, and reports the first missing variable the same way', () => {
    for (const template of ['plain', '{{text}}', 'order {{orderId}} for {{ conversationId }}.', '{{n}}{{n}}', 'x {{missing}} {{text}}', '']) {
      // Act
      const compiled = compileTemplate(template);
      // Assert
      expect(outcome(() => compiled(variables))).toEqual(outcome(() => renderTemplate(template, variables)));
      expect(compiled.constant).toBe(!template.includes('{{'));
    }
    expect(() => compileTemplate('{{missing}}')(variables)).toThrow(MissingVariableError);
  });

  it('renders lists in order, sharing one frozen array when nothing varies', () => {
    // Prepare
    const constant = compileTemplates(['a', 'b']);
    const varying = compileTemplates(['a', '{{orderId}}', '{{missing}}', '{{also}}']);
    // Act and Assert
    expect(constant(variables)).toBe(constant(variables));
    expect(Object.isFrozen(constant(variables))).toBe(true);
    expect(() => varying(variables)).toThrow('variable {{missing}} has no value');
  });
});

describe('compileAssertion', () => {
  const reply = { messages: ['Order A-17 shipped', 'Anything else?'], buttons: ['Track', 'Help'], body: { order: { id: 'A-17', items: 3 }, tags: ['x', 'y'] } };
  const text = 'Order A-17 shipped\nAnything else?';

  it('gives the same verdict on every check of a reused compiled assertion, global and sticky patterns included', () => {
    // Prepare: assertions that hold and that fail, with and without variables.
    const assertions: Assertion[] = [
      { kind: 'contains', values: ['A-17', '{{orderId}}'], mode: 'all' },
      { kind: 'contains', values: ['nope', 'else'], mode: 'any' },
      { kind: 'contains', values: ['nope', '{{orderId}}x'], mode: 'any' },
      { kind: 'notContains', values: ['error', '{{n}} items'] },
      { kind: 'notContains', values: ['shipped'] },
      { kind: 'equals', value: ` ${text} ` },
      { kind: 'equals', value: 'Order {{orderId}}' },
      { kind: 'regex', patterns: ['A-\\d+', 'else'], mode: 'all', flags: 'g' },
      { kind: 'regex', patterns: ['^Anything', '{{orderId}}$'], mode: 'any', flags: 'my' },
      { kind: 'regex', patterns: ['missing'], mode: 'any', flags: '' },
      { kind: 'jsonPath', path: '$.order.id', equals: '{{orderId}}' },
      { kind: 'jsonPath', path: '$.order.items', equals: 3, exists: true },
      { kind: 'jsonPath', path: '$.tags[*]', matches: '^y$' },
      { kind: 'jsonPath', path: '$.order.missing', exists: true },
      { kind: 'jsonPath', path: '$.tags[*]', matches: '^z' },
      { kind: 'buttons', titles: ['Help', 'Track'] },
      { kind: 'buttons', titles: ['Help', 'Cancel {{orderId}}'] },
    ];
    // Sticky patterns match only at index 0, where neither of these does.
    const expected = [true, true, false, true, false, true, false, true, false, false, true, true, true, false, false, true, false];
    for (const [index, assertion] of assertions.entries()) {
      // Act: one compiled assertion checked three times, against a fresh check each time.
      const compiled = compileAssertion(assertion);
      const verdicts = [1, 2, 3].map(() => compiled.check(reply, text, variables));
      // Assert
      expect(verdicts.map((verdict) => verdict === undefined)).toEqual([expected[index], expected[index], expected[index]]);
      expect(verdicts[2]).toEqual(checkAssertion(assertion, reply, variables));
    }
  });

  it('states the failure with the rendered expectation and the actual reply', () => {
    // Act
    const contains = compileAssertion({ kind: 'contains', values: ['{{orderId}}', 'refund'], mode: 'all' }).check(reply, text, variables);
    const regex = compileAssertion({ kind: 'regex', patterns: ['refund', '{{n}}x'], mode: 'any', flags: 'i' }).check(reply, text, variables);
    const jsonPath = compileAssertion({ kind: 'jsonPath', path: '$.order.id', equals: 'B-{{n}}' }).check(reply, text, variables);
    // Assert
    expect(contains).toEqual({ assertion: 'contains', expected: 'all of ["A-17","refund"]', actual: text });
    expect(regex).toEqual({ assertion: 'regex', expected: 'any of /refund/i, /3x/i', actual: text });
    expect(jsonPath).toEqual({ assertion: 'jsonPath $.order.id', expected: '"B-3"', actual: '"A-17"' });
  });

  it('still fails at check time, every time, on a pattern or path that cannot compile', () => {
    // Prepare
    const badRegex = compileAssertion({ kind: 'regex', patterns: ['('], mode: 'any', flags: '' });
    const badPath = compileAssertion({ kind: 'jsonPath', path: 'order', exists: true });
    const missing = compileAssertion({ kind: 'equals', value: '{{nowhere}}' });
    // Act and Assert
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(() => badRegex.check(reply, text, variables)).toThrow(SyntaxError);
      expect(() => badPath.check(reply, text, variables)).toThrow(/must start with \$/);
      expect(() => missing.check(reply, text, variables)).toThrow(MissingVariableError);
    }
  });
});
