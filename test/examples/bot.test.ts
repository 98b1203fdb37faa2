import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startExampleBot, type RunningBot } from '../../examples/bot/server';
import { createDatabase, dropDatabases, query, uniqueName } from '../support/postgres';

async function chat(bot: RunningBot, conversationId: string, text: string): Promise<{ status: number; body: { messages?: { text: string; buttons?: { title: string }[] }[]; error?: string } }> {
  const response = await fetch(bot.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId, text }) });
  return { status: response.status, body: await response.json() as never };
}

describe('the example bot', () => {
  let database: string;
  let bot: RunningBot;
  let logFile: string;

  beforeAll(async () => {
    database = uniqueName('bot');
    const url = await createDatabase(database);
    await query(url, `CREATE TABLE users (id bigint PRIMARY KEY, email text);
                      CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, order_number text, status text);
                      INSERT INTO users VALUES (1, 'masked.person@example.com');
                      INSERT INTO orders VALUES (1, 1, 'ORD-100001', 'shipped')`);
    logFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'bot-')), 'bot.log');
    bot = await startExampleBot({ databaseUrl: url, logFile });
  });

  afterAll(async () => {
    await bot.stop();
    await dropDatabases(database);
  });

  it('greets with quick-reply buttons', async () => {
    const { body } = await chat(bot, 'c1', 'hello');

    expect(body.messages?.[0]?.buttons?.map((button) => button.title)).toEqual(['Track an order', 'Email on file', 'Talk to a human']);
  });

  it("answers an order's status from its database", async () => {
    const { body } = await chat(bot, 'c2', 'Where is my order ORD-100001?');

    expect(body.messages?.[0]?.text).toBe('Order ORD-100001 is shipped.');
  });

  it('remembers the order of the conversation for the next turn', async () => {
    await chat(bot, 'c3', 'Where is ORD-100001?');

    const { body } = await chat(bot, 'c3', 'What email do you have on file for it?');

    expect(body.messages?.[0]?.text).toBe('The email on file for order ORD-100001 is masked.person@example.com.');
  });

  it('keeps conversations apart', async () => {
    const { body } = await chat(bot, 'c4', 'what email do you have?');

    expect(body.messages?.[0]?.text).toContain('Which order is it about?');
  });

  it('rejects a body that is not the chat protocol with 400 and says what it expects', async () => {
    const response = await fetch(bot.url, { method: 'POST', body: '{"text": 1}' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'expected JSON { "conversationId": string, "text": string }' });
  });

  it('logs a failed lookup as an error line', async () => {
    const broken = await startExampleBot({ databaseUrl: 'postgres://nobody:x@127.0.0.1:1/none', logFile });
    try {
      const { status } = await chat(broken, 'c5', 'Where is ORD-1234?');

      expect(status).toBe(500);
      const lines = (await readFile(logFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { level: string; message: string });
      expect(lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([expect.stringMatching(/^chat failed: /)]);
    } finally {
      await broken.stop();
    }
  });
});
