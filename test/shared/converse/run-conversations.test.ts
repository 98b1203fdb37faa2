import { connectorSchema } from '../../../shared/converse/connector-schema';
import type { Conversation } from '../../../shared/converse/model';
import { runConversations } from '../../../shared/converse/run-conversations';
import { EnvironmentError } from '../../../shared/errors';
import { botReplying, closedPortUrl, sendJson, startServer, type TestServer } from './support/bot-server';

/** A conversation built in code: `turns` as [user text, assertions, captures?]. */
function conversation(name: string, turns: Array<Partial<Conversation['turns'][number]> & { say: string }>): Conversation {
  return {
    name, tags: [], weight: 1, data: [], where: { file: `${name}.yaml`, line: 1 },
    turns: turns.map(({ say, ...rest }, index) => ({ user: { kind: 'text', text: say }, expect: [], thinkMs: 0, capture: [], where: { file: `${name}.yaml`, line: 3 + index }, ...rest })),
  };
}

describe('runConversations', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('passes a conversation whose captured order id feeds the next turn, with per-turn transcripts', async () => {
    // Prepare: a bot that names an order, then answers about the order it is asked for.
    server = await startServer(botReplying((text) => (text === 'hi'
      ? [{ text: 'Your order A-17 is ready', buttons: [{ title: 'Track order' }] }]
      : [{ text: `Tracking ${text.replace('track ', '')}` }])));
    const convo = conversation('order', [
      { say: 'hi', expect: [{ kind: 'contains', values: ['order'], mode: 'all' }, { kind: 'buttons', titles: ['Track order'] }], capture: [{ name: 'orderId', from: 'regex', expression: 'order (\\S+)' }] },
      { say: 'track {{orderId}}', expect: [{ kind: 'equals', value: 'Tracking {{orderId}}' }] },
    ]);
    // Act
    const report = await runConversations([convo], { target: server.url });
    // Assert
    expect(report).toMatchObject({ passed: 1, failed: 0 });
    expect(report.conversations[0]?.turns.map(({ user, bot, status }) => ({ user, bot, status }))).toEqual([
      { user: 'hi', bot: 'Your order A-17 is ready', status: 'passed' },
      { user: 'track A-17', bot: 'Tracking A-17', status: 'passed' },
    ]);
    expect(report.turnLatency.count).toBe(2);
    // The default protocol: POST { conversationId, text }, the same conversation id for both turns.
    const [first, second] = server.received;
    expect(first).toMatchObject({ method: 'POST', url: '/chat', body: { text: 'hi' } });
    expect((first?.body as { conversationId: string }).conversationId).toBe((second?.body as { conversationId: string }).conversationId);
  });

  it('captures the same way for every simulated user, global patterns included, and reads replies sent in pieces', async () => {
    // Prepare: a bot whose JSON reply arrives in three writes, naming a per-conversation order.
    server = await startServer((request, response) => {
      const id = (request.body as { conversationId: string }).conversationId.slice(-1);
      const text = (request.body as { text: string }).text;
      const body = JSON.stringify({ messages: [{ text: text === 'hi' ? `Your order Q-${id} is ready` : `Tracking ${text}` }] });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(body.slice(0, 5));
      setTimeout(() => {
        response.write(body.slice(5, 20));
        setTimeout(() => response.end(body.slice(20)), 5);
      }, 5);
    });
    const convo = conversation('order', [
      { say: 'hi', capture: [{ name: 'orderId', from: 'regex', expression: 'order (Q-\\d)', flags: 'g' }] },
      { say: 'track {{orderId}}', expect: [{ kind: 'regex', patterns: ['Tracking track Q-\\d'], mode: 'all', flags: 'g' }] },
    ]);
    // Act: the same turn objects (compiled once) run for three users, one after another.
    const report = await runConversations([convo, convo, convo], { target: server.url, concurrency: 1 });
    // Assert
    expect(report).toMatchObject({ passed: 3, failed: 0 });
    expect(report.conversations.map((convo) => convo.turns[1]?.user)).toEqual(['track Q-0', 'track Q-1', 'track Q-2']);
    expect(report.conversations.map((convo) => convo.turns[0]?.bot)).toEqual(['Your order Q-0 is ready', 'Your order Q-1 is ready', 'Your order Q-2 is ready']);
  });

  it('fails at the first failing assertion with expected and actual, and runs no later turn', async () => {
    server = await startServer(botReplying(() => [{ text: 'I do not know' }]));
    const convo = conversation('refund', [
      { say: 'refund please', expect: [{ kind: 'notContains', values: ['sorry'] }, { kind: 'contains', values: ['refund'], mode: 'all' }] },
      { say: 'never sent' },
    ]);
    const report = await runConversations([convo], { target: server.url });
    expect(report).toMatchObject({ passed: 0, failed: 1 });
    expect(report.conversations[0]?.failure).toEqual({
      turn: 1, assertion: 'contains', expected: 'all of ["refund"]', actual: 'I do not know', where: { file: 'refund.yaml', line: 3 },
    });
    expect(server.received).toHaveLength(1);
  });

  it('checks JSONPath assertions against the reply body and treats an HTTP 500 as a failed turn', async () => {
    server = await startServer((request, response) => ((request.body as { text: string }).text === 'boom'
      ? sendJson(response, { error: 'down' }, 500)
      : sendJson(response, { messages: [{ text: 'ok' }], intent: { name: 'greet', confidence: 0.93 } })));
    const ok = conversation('intent', [{ say: 'hello', expect: [{ kind: 'jsonPath', path: '$.intent.name', equals: 'greet' }, { kind: 'jsonPath', path: '$.intent.confidence', matches: '^0\\.9' }] }]);
    const wrong = conversation('intent-wrong', [{ say: 'hello', expect: [{ kind: 'jsonPath', path: '$.intent.name', equals: 'order' }] }]);
    const broken = conversation('broken', [{ say: 'boom' }]);
    const report = await runConversations([ok, wrong, broken], { target: server.url, concurrency: 1 });
    expect(report.conversations.map((item) => item.status)).toEqual(['passed', 'failed', 'failed']);
    expect(report.conversations[1]?.failure).toMatchObject({ assertion: 'jsonPath $.intent.name', expected: '"order"', actual: '"greet"' });
    expect(report.conversations[2]?.failure).toMatchObject({ assertion: 'reply (http)', actual: expect.stringContaining('HTTP 500') });
  });

  it('reads a streamed (SSE) reply and records time to first token apart from total latency', async () => {
    // Prepare: the first token comes at once, the rest after 60 ms, so the two times must differ.
    server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"messages":[{"text":"Hello"}]}\n\n');
      setTimeout(() => {
        response.write('data: {"messages":[{"text":"there","buttons":[{"title":"Go"}]}]}\n\n');
        response.end('data: [DONE]\n\n');
      }, 60);
    });
    const convo = conversation('stream', [{ say: 'hi', expect: [{ kind: 'contains', values: ['Hello', 'there'], mode: 'all' }, { kind: 'buttons', titles: ['Go'] }] }]);
    const report = await runConversations([convo], { target: server.url });
    const turn = report.conversations[0]?.turns[0];
    expect(turn).toMatchObject({ status: 'passed', messages: ['Hello', 'there'] });
    expect(turn?.firstTokenMs).toBeLessThan(turn?.latencyMs ?? 0);
  });

  it('sends what a connector file describes: URL, headers, body template and reply paths', async () => {
    server = await startServer((request, response) => sendJson(response, { data: { answer: [`echo ${(request.body as { q: string }).q}`] }, session: 'S-1' }));
    const connector = connectorSchema.parse({
      url: '{{target}}?bot=1', headers: { 'X-Session': '{{conversationId}}' }, body: { q: '{{text}}', meta: { user: '{{userIndex}}' } },
      reply: { messages: ['$.data.answer[*]'] }, context: { session: '$.session' },
    });
    const convo = conversation('custom', [{ say: 'one', expect: [{ kind: 'equals', value: 'echo one' }] }, { say: 'session {{session}}' }]);
    const report = await runConversations([convo], { target: server.url, connector });
    expect(report.failed).toBe(0);
    expect(server.received[0]).toMatchObject({ url: '/chat?bot=1', body: { q: 'one', meta: { user: '0' } } });
    expect(server.received[0]?.headers['x-session']).toMatch(/^rehearsal-/);
    expect(server.received[1]?.body).toMatchObject({ q: 'session S-1' });
  });

  it('ends at once with an EnvironmentError when the bot is unreachable', async () => {
    server = await startServer(botReplying(() => []));
    const url = await closedPortUrl();
    const convos = [conversation('a', [{ say: 'hi' }]), conversation('b', [{ say: 'hi' }])];
    const seen: string[] = [];
    const error = await runConversations(convos, { target: url, onConversation: (report) => seen.push(report.name) }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/the bot at http:\/\/127\.0\.0\.1:\d+\/chat is unreachable/);
    expect(seen).toEqual(['a']);
  });
});
