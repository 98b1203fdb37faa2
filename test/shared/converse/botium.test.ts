import { loadConversations } from '../../../shared/converse/load-convos';
import { ConfigError } from '../../../shared/errors';
import { writeTree } from './support/files';

describe('Botium files', () => {
  it('reads a .convo.txt with INCLUDE of a .pconvo.txt, utterance lists, asserters, PAUSE and $variables', async () => {
    // Prepare: the partial convo and the utterances sit beside the convo, as Botium suites keep them.
    const dir = await writeTree({
      'botium/login.pconvo.txt': ['Login', '', '#me', 'GREETING', '', '#bot', 'Hi*'].join('\n'),
      'botium/greeting.utterances.txt': ['GREETING', 'hello', 'hi there'].join('\n'),
      'botium/order.convo.txt': [
        'Order status',
        'Checks the order reply.',
        '',
        '#include Login',
        '',
        '#me',
        'where is my order?',
        '',
        '#bot',
        'Your order $orderId is on its way',
        'TEXT_CONTAINS_ALL order|way',
        '!TEXT_CONTAINS_ANY error|sorry',
        'TEXT_REGEXP_ANY on its \\w+',
        'JSON_PATH $.messages[0].text',
        'BUTTONS Track order|Cancel',
        'PAUSE 250',
        '',
        '#me',
        'BUTTON track_payload|Track order',
        '',
        '#bot',
        'Which order?',
        '',
        '#me',
        'track $orderId',
        '',
        '#bot',
        'TEXT *shipped*',
      ].join('\n'),
    });
    // Act
    const [conversation] = await loadConversations(['botium/*.convo.txt'], dir);
    // Assert
    expect(conversation?.name).toBe('Order status');
    expect(conversation?.turns.map((turn) => turn.user)).toEqual([
      { kind: 'anyOf', options: ['hello', 'hi there'] },
      { kind: 'text', text: 'where is my order?' },
      { kind: 'text', text: 'Track order' },
      { kind: 'text', text: 'track {{orderId}}' },
    ]);
    const second = conversation?.turns[1];
    expect(second?.where).toEqual({ file: 'botium/order.convo.txt', line: 6 });
    expect(second?.expect).toEqual([
      { kind: 'contains', values: ['order', 'way'], mode: 'all' },
      { kind: 'notContains', values: ['error', 'sorry'] },
      { kind: 'regex', patterns: ['on its \\w+'], mode: 'any', flags: '' },
      { kind: 'jsonPath', path: '$.messages[0].text', exists: true },
      { kind: 'buttons', titles: ['Track order', 'Cancel'] },
      { kind: 'regex', patterns: ['Your order \\S+ is on its way'], mode: 'any', flags: 'i' },
    ]);
    expect(second?.capture).toEqual([{ name: 'orderId', from: 'regex', flags: 'i', expression: 'Your order (\\S+?)(?=[.,!?]?(?:\\s|$)) is on its way' }]);
    const capture = new RegExp(second?.capture[0]?.expression ?? '', 'i').exec('your order A-17 is on its way');
    expect(capture?.[1]).toBe('A-17');
    // PAUSE after a bot reply is think time before the next user turn.
    expect(conversation?.turns[2]?.thinkMs).toBe(250);
    expect(conversation?.turns[3]?.expect).toEqual([{ kind: 'regex', patterns: ['[\\s\\S]*shipped[\\s\\S]*'], mode: 'any', flags: 'i' }]);
  });

  it('reports an unknown asserter and a #bot without #me with file and line', async () => {
    const dir = await writeTree({ 'a.convo.txt': ['A', '#bot', 'hello', '#me', 'hi', '#bot', 'TEXT_CONTAINZ_ANY hi|ho'].join('\n') });
    const error = await loadConversations(['a.convo.txt'], dir).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { file: 'a.convo.txt', line: 2, path: '#bot', message: 'a #bot section needs a #me section before it' },
      { file: 'a.convo.txt', line: 7, path: '#bot', message: expect.stringMatching(/^unknown asserter TEXT_CONTAINZ_ANY, expected one of TEXT, /) },
    ]);
  });
});
