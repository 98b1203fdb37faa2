import type { Dispatcher } from 'undici';
import type { ConnectorConfig } from './connector-schema';
import { compileJsonPath, type JsonPath } from './jsonpath';
import { exchange, type Exchange } from './http-exchange';
import { SseParser } from './sse';
import { compileJsonBody, compileTemplate, type CompiledTemplate } from './template';

/** One reply of the bot to one user turn. Times are `performance.now()` stamps. */
export interface BotReply {
  readonly status: number;
  /** The parsed JSON body (for a stream: the array of JSON events), or the text when not JSON. */
  readonly body: unknown;
  readonly messages: readonly string[];
  readonly buttons: readonly string[];
  /** Captured by the connector's `context` paths. */
  readonly context: ReadonlyMap<string, string>;
  readonly streamed: boolean;
  /** When the first byte (plain reply) or the first event (stream) arrived. */
  readonly firstByteAt: number;
  readonly endAt: number;
}

/** Why a turn got no usable reply. `connection` means the target could not be reached at all. */
export type TransportFailureKind = 'connection' | 'timeout' | 'http' | 'protocol';

/** A turn that got no usable reply; `kind` tells a refused connection from a 500 or a timeout. */
export class TransportFailure extends Error {
  constructor(readonly kind: TransportFailureKind, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED', 'ABORT_ERR']);

/**
 * Sends user turns to a bot over HTTP as a connector config says, through an injected undici
 * dispatcher (an Agent or Pool with keep-alive, shared by every simulated user).
 */
export class HttpConnector {
  readonly #messagePaths: JsonPath[];
  readonly #buttonPath: JsonPath;
  readonly #contextPaths: Array<[string, JsonPath]>;
  // Templates compiled once per connector: a turn under load renders them, nothing more.
  readonly #url: CompiledTemplate;
  readonly #headers: Array<readonly [string, CompiledTemplate]>;
  readonly #body: ((variables: ReadonlyMap<string, string>) => string) | undefined;
  readonly #timeout: number;
  #lastUrl: { text: string; origin: string; pathname: string; path: string } | undefined;

  constructor(
    readonly config: ConnectorConfig,
    private readonly dispatcher: Dispatcher,
  ) {
    this.#messagePaths = config.reply.messages.map(compileJsonPath);
    this.#buttonPath = compileJsonPath(config.reply.buttons);
    this.#contextPaths = Object.entries(config.context).map(([name, path]) => [name, compileJsonPath(path)]);
    this.#url = compileTemplate(config.url);
    this.#headers = Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), compileTemplate(value)] as const);
    this.#body = config.method === 'GET' ? undefined : compileJsonBody(config.body);
    this.#timeout = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Sends one turn; `variables` must hold `text`, `conversationId` and `target`. Throws {@link TransportFailure}. */
  async send(variables: ReadonlyMap<string, string>): Promise<BotReply> {
    const url = this.#parseUrl(this.#url(variables));
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    for (const [name, value] of this.#headers) headers[name] = value(variables);
    let body: string | undefined;
    if (this.#body) {
      body = this.#body(variables);
      headers['content-type'] ??= 'application/json';
    }
    const timeout = this.#timeout;
    const stream = this.config.reply.stream;
    let parser: SseParser | undefined;
    const events: string[] = [];
    let firstEventAt: number | undefined;
    let reply: Exchange;
    try {
      reply = await exchange(this.dispatcher, {
        origin: url.origin, path: url.path, method: this.config.method, headers, body: body ?? null,
        headersTimeout: timeout, bodyTimeout: timeout,
      }, stream === 'none' ? undefined : (chunk, at, contentType) => {
        if (stream === 'auto' && !contentType.includes('text/event-stream')) return 'continue';
        parser ??= new SseParser();
        for (const data of parser.push(chunk)) {
          firstEventAt ??= at;
          if (data.trim() === '[DONE]') return 'stop';
          events.push(data);
        }
        return 'continue';
      });
    } catch (cause) {
      throw classify(cause, url.origin);
    }
    if (reply.statusCode >= 400) {
      throw new TransportFailure('http', `HTTP ${reply.statusCode} from ${url.origin}${url.pathname}`, { status: reply.statusCode });
    }
    if (parser) {
      for (const data of parser.end()) if (data.trim() !== '[DONE]') events.push(data);
      return this.#fromEvents(reply, events, firstEventAt ?? reply.headersAt);
    }
    const parsed = parseJsonOrText(reply.body.toString('utf8'));
    const messages = typeof parsed === 'string' ? [parsed] : this.#messagesOf(parsed);
    return {
      status: reply.statusCode, body: parsed, messages, buttons: stringsOf(this.#buttonPath.select(parsed)), context: this.#contextOf([parsed]),
      streamed: false, firstByteAt: reply.headersAt, endAt: reply.endAt,
    };
  }

  /** A streamed reply: JSON events are read with the message paths; text events are tokens of one message. */
  #fromEvents(reply: Exchange, events: readonly string[], firstEventAt: number): BotReply {
    const bodies: unknown[] = [];
    const messages: string[] = [];
    const buttons: string[] = [];
    let tokens = '';
    for (const data of events) {
      const event = parseJsonOrText(data);
      if (typeof event === 'string') {
        tokens += event;
        continue;
      }
      bodies.push(event);
      messages.push(...this.#messagesOf(event));
      buttons.push(...stringsOf(this.#buttonPath.select(event)));
    }
    if (tokens !== '') messages.unshift(tokens);
    return { status: reply.statusCode, body: bodies, messages, buttons, context: this.#contextOf(bodies), streamed: true, firstByteAt: firstEventAt, endAt: reply.endAt };
  }

  /** URL parsing costs more than the rest of a turn's set-up; the rendered URL rarely changes. */
  #parseUrl(text: string): { origin: string; pathname: string; path: string } {
    if (this.#lastUrl?.text !== text) {
      const url = new URL(text);
      this.#lastUrl = { text, origin: url.origin, pathname: url.pathname, path: `${url.pathname}${url.search}` };
    }
    return this.#lastUrl;
  }

  #messagesOf(body: unknown): string[] {
    for (const path of this.#messagePaths) {
      const found = stringsOf(path.select(body));
      if (found.length > 0) return found;
    }
    return [];
  }

  #contextOf(bodies: readonly unknown[]): ReadonlyMap<string, string> {
    if (this.#contextPaths.length === 0) return NO_CONTEXT;
    const context = new Map<string, string>();
    for (const [name, path] of this.#contextPaths) {
      for (const body of bodies) {
        const found = stringsOf(path.select(body))[0];
        if (found !== undefined) context.set(name, found);
      }
    }
    return context;
  }
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function stringsOf(values: readonly unknown[]): string[] {
  const strings: string[] = [];
  for (const value of values) if (value !== null && value !== undefined && typeof value !== 'object') strings.push(String(value));
  return strings;
}

/** The context of every reply when the connector captures none (shared: it is never written to). */
const NO_CONTEXT: ReadonlyMap<string, string> = new Map();

function classify(cause: unknown, origin: string): TransportFailure {
  const code = (cause as { code?: string } | null)?.code ?? '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (CONNECTION_CODES.has(code) || code.startsWith('E')) {
    return new TransportFailure('connection', `cannot reach ${origin} (${code || message})`, { cause });
  }
  if (TIMEOUT_CODES.has(code)) return new TransportFailure('timeout', `no reply from ${origin} in time (${code})`, { cause });
  return new TransportFailure('protocol', `bad reply from ${origin}: ${message}`, { cause });
}
