import { z } from 'zod';

/**
 * A connector file (`--connector FILE`, or `converse.connector` in the config): how to talk to a bot
 * over HTTP. Every string may use `{{name}}` templates (`conversationId`, `text`, `target`, captured
 * variables, data columns). Without a file the default below is the protocol of the example bot.
 */
export const connectorSchema = z
  .object({
    /** Request URL template. */
    url: z.string().min(1).default('{{target}}'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    /** JSON body template (omitted for GET). */
    body: z.unknown().default({ conversationId: '{{conversationId}}', text: '{{text}}' }),
    reply: z
      .object({
        /** JSONPaths of the bot's messages; the first that selects anything wins. */
        messages: z.array(z.string().min(1)).min(1).default(['$.messages[*].text', '$.text']),
        /** JSONPath of the button titles. */
        buttons: z.string().min(1).default('$.messages[*].buttons[*].title'),
        /**
         * `sse`: the reply is a server-sent event stream; each `data:` line is JSON (read with the
         * paths above) or a text chunk; `[DONE]` ends it. `auto`: SSE when the reply says
         * `text/event-stream`.
         */
        stream: z.enum(['auto', 'none', 'sse']).default('auto'),
      })
      .strict()
      .default({ messages: ['$.messages[*].text', '$.text'], buttons: '$.messages[*].buttons[*].title', stream: 'auto' }),
    /** Values captured from every reply into variables (`name: JSONPath`), e.g. a session token. */
    context: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    /** Longest wait for one reply before the turn is an error (default: converse.turnTimeout, or 30 s). */
    timeoutMs: z.number().positive().optional(),
  })
  .strict();
export type ConnectorConfig = z.infer<typeof connectorSchema>;

/** The default protocol: POST `{ conversationId, text }`, messages from `$.messages[*].text` or `$.text`. */
export const DEFAULT_CONNECTOR: ConnectorConfig = connectorSchema.parse({});
