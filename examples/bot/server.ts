import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import pg from 'pg';
import { reply, type ConversationMemory, type SupportData } from './replies';

/** Options of the example bot. */
export interface ExampleBotOptions {
  /** The staging database the bot answers from. */
  readonly databaseUrl: string;
  readonly port?: number;
  /** JSON log lines go here (level, message, time); errors are what rehearsal counts after the checks. */
  readonly logFile?: string;
}

/** A running example bot. */
export interface RunningBot {
  /** The chat endpoint: `POST { conversationId, text }` answered by `{ messages: [{ text, buttons }] }`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts the example support bot on 127.0.0.1: an HTTP chat endpoint answering from the staging
 * database (order status, email on file), so rehearsal's conversation checks prove the anonymized
 * data still works. Connections that a database swap ends are retried once.
 */
export async function startExampleBot(options: ExampleBotOptions): Promise<RunningBot> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, idleTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  const log = (level: 'info' | 'error', message: string): void => {
    if (options.logFile) appendFileSync(options.logFile, `${JSON.stringify({ time: new Date().toISOString(), level, message })}\n`);
  };
  const lookup = async (sql: string, order: string): Promise<string | undefined> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { rows } = await pool.query<{ value: string }>(sql, [order]);
        return rows[0]?.value;
      } catch (error) {
        if (attempt >= 2) throw error;
      }
    }
  };
  const data: SupportData = {
    orderStatus: (order) => lookup('SELECT status AS value FROM orders WHERE order_number = $1', order),
    emailForOrder: (order) => lookup('SELECT u.email AS value FROM orders o JOIN users u ON u.id = o.user_id WHERE o.order_number = $1', order),
  };
  const memories = new Map<string, ConversationMemory>();

  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && request.url === '/health') return send(200, { ok: true });
    if (request.method !== 'POST' || request.url !== '/chat') return send(404, { error: 'POST /chat' });
    readJson(request)
      .then(async (body) => {
        const { conversationId, text } = (body ?? {}) as { conversationId?: unknown; text?: unknown };
        if (typeof conversationId !== 'string' || typeof text !== 'string') {
          return send(400, { error: 'expected JSON { "conversationId": string, "text": string }' });
        }
        const memory = memories.get(conversationId) ?? {};
        memories.set(conversationId, memory);
        send(200, { messages: await reply(text, memory, data) });
      })
      .catch((error: Error) => {
        log('error', `chat failed: ${error.message}`);
        send(500, { error: 'internal error' });
      });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  log('info', `example bot listening on 127.0.0.1:${port}`);
  return {
    url: `http://127.0.0.1:${port}/chat`,
    port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    request.on('error', reject);
  });
}
