import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A parsed request the test bot received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/** A real HTTP server on 127.0.0.1 whose replies the test decides. */
export interface TestServer {
  readonly url: string;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (a free port) answering each request with `reply`. */
export async function startServer(reply: (request: ReceivedRequest, response: ServerResponse) => void | Promise<void>): Promise<TestServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        // Keep the raw text.
      }
      const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
      received.push(request);
      void Promise.resolve(reply(request, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/chat`,
    received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Sends the default protocol's JSON reply. */
export function sendJson(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** A bot speaking the default protocol: `answer(text)` gives the messages (with optional buttons). */
export function botReplying(answer: (text: string, conversationId: string) => Array<{ text: string; buttons?: Array<{ title: string }> }>) {
  return (request: ReceivedRequest, response: ServerResponse): void => {
    const body = request.body as { text?: string; conversationId?: string } | undefined;
    sendJson(response, { messages: answer(body?.text ?? '', body?.conversationId ?? '') });
  };
}

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A free port with nothing listening on it (for unreachable-target tests). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/chat`;
}
