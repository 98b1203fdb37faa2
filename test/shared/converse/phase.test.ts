import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseYamlDocument } from '../../../shared/config/load';
import { configSchema } from '../../../shared/config/schema';
import type { DatabaseProvider } from '../../../shared/db/provider';
import { ConfigError } from '../../../shared/errors';
import type { RunContext } from '../../../shared/pipeline/context';
import { runConverse } from '../../../shared/pipeline/phases/converse';
import { makeConfigInput } from '../../support/config-factory';
import { makeRunContext } from '../../support/run-context';
import { botReplying, startServer, type TestServer } from './support/bot-server';
import { writeTree } from './support/files';

/** The converse phase never touches a database. */
const noDatabase = {} as DatabaseProvider;

async function contextWith(converse: unknown, files: Record<string, string>): Promise<RunContext> {
  const dir = await writeTree(files);
  const config = parseYamlDocument(stringify(makeConfigInput(converse === undefined ? {} : { converse: converse as never })), configSchema);
  return { ...makeRunContext(noDatabase, { config, baseDir: dir, outDir: path.join(dir, 'report') }), results: [] };
}

const greeting = ['name: greeting', 'turns:', '  - user: hi', '    expect: [{ contains: Hello }]', '  - user: bye', '    expect: [{ contains: Bye }]', ''].join('\n');
const orderStatus = ['name: order status', 'turns:', '  - user: where is my order', '    expect:', '      - contains: shipped', ''].join('\n');

describe('runConverse', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(botReplying((text) => [{ text: text === 'hi' ? 'Hello!' : text === 'bye' ? 'Bye!' : 'Your order is pending' }]));
  });
  afterEach(async () => server.close());

  it('is skipped without a converse section', async () => {
    const ctx = await contextWith(undefined, {});
    expect(await runConverse(ctx)).toEqual({ status: 'skipped', summary: 'no converse section in the config' });
  });

  it('fails with figures, the first failing assertion and transcripts, and writes converse.json, JUnit XML and metrics', async () => {
    // Prepare
    const ctx = await contextWith({ target: server.url, convos: ['convos/*.yaml'] }, { 'convos/greeting.yaml': greeting, 'convos/order.yaml': orderStatus });
    // Act
    const result = await runConverse(ctx);
    // Assert
    expect(result).toMatchObject({
      status: 'failed',
      summary: '1 of 2 conversations failed; first: order status turn 1: contains expected all of ["shipped"]',
      figures: { conversations: 2, passed: 1, failed: 1 },
      details: { failures: [{ name: 'order status', failure: { turn: 1, assertion: 'contains', expected: 'all of ["shipped"]', actual: 'Your order is pending', where: { file: 'convos/order.yaml', line: 3 } } }] },
    });
    const json = JSON.parse(await readFile(path.join(ctx.outDir, 'converse.json'), 'utf8')) as { passed: number; failed: number; conversations: Array<{ name: string; status: string; turns: Array<{ user: string; bot: string; latencyMs: number; status: string }> }> };
    expect(json).toMatchObject({ passed: 1, failed: 1 });
    expect(json.conversations.map((conversation) => [conversation.name, conversation.status, conversation.turns.map((turn) => [turn.user, turn.bot, turn.status])])).toEqual([
      ['greeting', 'passed', [['hi', 'Hello!', 'passed'], ['bye', 'Bye!', 'passed']]],
      ['order status', 'failed', [['where is my order', 'Your order is pending', 'failed']]],
    ]);
    expect(json.conversations.every((conversation) => conversation.turns.every((turn) => typeof turn.latencyMs === 'number'))).toBe(true);
    const junit = await readFile(path.join(ctx.outDir, 'converse-junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="rehearsal converse" tests="2" failures="1"');
    expect(junit).toContain('<testcase classname="convos/order.yaml" name="order status"');
    expect(junit).toContain('<failure message="turn 1: contains: expected all of [&quot;shipped&quot;], got Your order is pending" type="contains">');
    const turnMetrics = ctx.metrics.all().filter((datum) => datum.name === 'TurnLatency');
    expect(turnMetrics.map((datum) => [datum.dimensions.Conversation, datum.dimensions.Turn])).toEqual([['greeting', '1'], ['greeting', '2'], ['order status', '1']]);
    expect(ctx.metrics.all().find((datum) => datum.name === 'ConversationsFailed')?.values).toEqual([1]);
  });

  it('passes when every conversation passes', async () => {
    const ctx = await contextWith({ target: server.url, convos: ['greeting.yaml'] }, { 'greeting.yaml': greeting });
    expect(await runConverse(ctx)).toMatchObject({ status: 'passed', figures: { conversations: 2 - 1, passed: 1, failed: 0 } });
  });

  it('throws ConfigError for a bad convo file before sending anything', async () => {
    const ctx = await contextWith({ target: server.url, convos: ['bad.yaml'] }, { 'bad.yaml': ['name: bad', 'turns:', '  - user: "{{never}}"', ''].join('\n') });
    await expect(runConverse(ctx)).rejects.toBeInstanceOf(ConfigError);
    expect(server.received).toHaveLength(0);
  });
});
