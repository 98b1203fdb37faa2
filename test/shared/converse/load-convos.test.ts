import { loadConversations } from '../../../shared/converse/load-convos';
import { ConfigError } from '../../../shared/errors';
import { writeTree } from './support/files';

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((problem) => `${problem.file ?? ''}:${problem.line ?? ''}: ${problem.path}: ${problem.message}`);
}

describe('loadConversations (YAML)', () => {
  it('reads turns, asserters, captures, includes, utterances, think time and CSV data', async () => {
    // Prepare
    const dir = await writeTree({
      'convos/greeting.yaml': ['name: greeting', 'partial: true', 'turns:', '  - user: { utterances: HELLO }', '    expect: [{ containsAny: [Hi, Hello] }]', ''].join('\n'),
      'convos/order.yaml': [
        'name: order status',
        'tags: [orders]',
        'weight: 3',
        'data: users.csv',
        'utterances:',
        '  HELLO: [hi, hello there]',
        'turns:',
        '  - include: greeting',
        '  - user: "Where is my order, I am {{email}}?"',
        '    think: 1s',
        '    within: 1500ms',
        '    expect:',
        '      - contains: order',
        '      - notContains: [error]',
        '      - regex: "order [A-Z]-\\\\d+"',
        '      - jsonPath: { path: "$.messages[0].text", exists: true }',
        '      - buttons: [Track order]',
        '    capture:',
        '      orderId: { regex: "order ([A-Z]-\\\\d+)" }',
        '  - user: "track {{orderId}}"',
        '    expect: [{ equals: "Order {{orderId}} is on its way" }]',
        '',
      ].join('\n'),
      'convos/users.csv': 'email,name\nada@example.test,Ada\n"b,ob@example.test",Bob\n',
    });
    // Act
    const [conversation] = await loadConversations(['convos/*.yaml'], dir);
    // Assert
    expect(conversation).toMatchObject({ name: 'order status', tags: ['orders'], weight: 3 });
    expect(conversation?.data).toEqual([{ email: 'ada@example.test', name: 'Ada' }, { email: 'b,ob@example.test', name: 'Bob' }]);
    expect(conversation?.turns.map((turn) => turn.user)).toEqual([
      { kind: 'anyOf', options: ['hi', 'hello there'] },
      { kind: 'text', text: 'Where is my order, I am {{email}}?' },
      { kind: 'text', text: 'track {{orderId}}' },
    ]);
    expect(conversation?.turns[0]?.where).toEqual({ file: 'convos/greeting.yaml', line: 4 });
    expect(conversation?.turns[1]).toMatchObject({ thinkMs: 1000, withinMs: 1500, where: { file: 'convos/order.yaml', line: 9 } });
    expect(conversation?.turns[1]?.expect.map((assertion) => assertion.kind)).toEqual(['contains', 'notContains', 'regex', 'jsonPath', 'buttons']);
    expect(conversation?.turns[1]?.capture).toEqual([{ name: 'orderId', from: 'regex', expression: 'order ([A-Z]-\\d+)' }]);
  });

  it('reports an unknown asserter with file and line before anything runs', async () => {
    const dir = await writeTree({ 'a.yaml': ['name: a', 'turns:', '  - user: hi', '    expect:', '      - containz: hello', ''].join('\n') });
    const problems = await problemsOf(loadConversations(['*.yaml'], dir));
    expect(problems).toEqual([expect.stringMatching(/^a\.yaml:5: turns\[0\]\.expect\[0\]: unknown asserter "containz", expected one of contains,/)]);
  });

  it('reports a variable used before any turn captures it, and a missing include, with lines', async () => {
    const dir = await writeTree({
      'a.yaml': [
        'name: a',
        'turns:',
        '  - user: "order {{orderId}}"',
        '  - user: hi',
        '    capture: { orderId: { jsonPath: "$.id" } }',
        '  - include: nowhere',
        '',
      ].join('\n'),
    });
    const problems = await problemsOf(loadConversations(['a.yaml'], dir));
    expect(problems).toEqual([
      expect.stringMatching(/^a\.yaml:6: include: no convo or partial convo named "nowhere"/),
      expect.stringMatching(/^a\.yaml:3: user: variable \{\{orderId\}\} is never captured before this turn/),
    ]);
  });

  it('reports malformed YAML, bad regexes, bad JSONPaths, include cycles and unmatched globs', async () => {
    const dir = await writeTree({
      'bad.yaml': 'name: [unclosed\n',
      'b.yaml': ['name: b', 'turns:', '  - include: c', '  - user: x', '    expect: [{ regex: "(" }, { jsonPath: { path: "messages" } }]', ''].join('\n'),
      'c.yaml': ['name: c', 'partial: true', 'turns:', '  - include: b', ''].join('\n'),
    });
    const problems = await problemsOf(loadConversations(['*.yaml', 'missing/*.yaml'], dir));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^:: convos: pattern "missing\/\*\.yaml" matched no file/),
      expect.stringMatching(/^bad\.yaml:\d+: : not valid YAML/),
      expect.stringMatching(/^c\.yaml:4: include: including "b" makes a cycle: b -> c -> b/),
      expect.stringMatching(/^b\.yaml:4: expect\.regex: invalid regular expression "\("/),
      expect.stringMatching(/^b\.yaml:4: expect\.jsonPath: JSONPath "messages" must start with \$/),
    ]));
  });

  it('reports a missing CSV data file by the convo naming it', async () => {
    const dir = await writeTree({ 'a.yaml': ['name: a', 'data: nope.csv', 'turns:', '  - user: "{{email}}"', ''].join('\n') });
    const problems = await problemsOf(loadConversations(['a.yaml'], dir));
    expect(problems[0]).toMatch(/^nope\.csv:: data: cannot read the data file \(ENOENT\), named by convo "a"/);
  });
});
