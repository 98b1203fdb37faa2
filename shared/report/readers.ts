import { z } from 'zod';

/**
 * Lenient readers for other phases' `details`. Those shapes are owned elsewhere and change, so each
 * reader accepts the likely forms, ignores unknown fields, and gives undefined (never throws) when
 * nothing fits: the report then shows what it can.
 */

const primitive = z.union([z.string(), z.number(), z.boolean()]);
const flatRecord = z.record(z.string(), z.unknown());

/** Anonymization coverage: one row per table with its primitive fields (rows, columns masked, ...). */
export function readCoverage(details: unknown): { table: string; fields: Record<string, string | number | boolean> }[] | undefined {
  const holder = z.object({ tables: z.unknown() }).safeParse(details);
  const tables = holder.success ? holder.data.tables : undefined;
  const rows: { table: string; fields: Record<string, string | number | boolean> }[] = [];
  const primitives = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string | number | boolean] => primitive.safeParse(entry[1]).success));
  const asArray = z.array(flatRecord).safeParse(tables);
  if (asArray.success) {
    for (const entry of asArray.data) {
      const name = entry.table ?? entry.name;
      if (typeof name === 'string') rows.push({ table: name, fields: primitives(Object.fromEntries(Object.entries(entry).filter(([key]) => key !== 'table' && key !== 'name'))) });
    }
  } else {
    const asRecord = z.record(z.string(), flatRecord).safeParse(tables);
    if (!asRecord.success) return undefined;
    for (const [name, entry] of Object.entries(asRecord.data)) rows.push({ table: name, fields: primitives(entry) });
  }
  return rows.length > 0 ? rows : undefined;
}

const driftSchema = z.object({
  key: z.string(),
  kind: z.string(),
  action: z.string().optional(),
  production: z.string().optional(),
  staging: z.string().optional(),
  expected: z.string().optional(),
});
const paritySchema = z.object({
  drift: z.array(driftSchema),
  probes: z.array(z.object({ key: z.string(), url: z.string(), status: z.string(), httpStatus: z.number().optional() })).default([]),
  warnings: z.array(z.string()).default([]),
});
export type ParityView = z.infer<typeof paritySchema>;

/** The reconcile phase's drift (values already safe: copy values or fingerprints). */
export function readParity(details: unknown): ParityView | undefined {
  const parsed = paritySchema.safeParse(details);
  return parsed.success ? parsed.data : undefined;
}

const text = z.union([z.string(), z.number(), z.boolean()]).transform(String);
/** A failure as a string, `{ message }`, or `{ assertion, expected, actual, turn }` (the converse report's form). */
const failureSchema = z.union([
  text.transform((message) => ({ message, turn: undefined as number | undefined })),
  z.object({ message: z.string(), turn: z.number().optional() }).passthrough().transform((value) => ({ message: value.message, turn: value.turn })),
  z.object({ assertion: text, expected: text.optional(), actual: text.optional(), turn: z.number().optional() }).passthrough().transform((value) => ({
    message: `${value.assertion}${value.expected === undefined ? '' : ` expected ${value.expected}`}${value.actual === undefined ? '' : `, got ${value.actual}`}`,
    turn: value.turn,
  })),
]);
const turnSchema = z.object({
  turn: z.union([z.number(), z.string()]).optional(),
  user: text.optional(), said: text.optional(), send: text.optional(), input: text.optional(),
  bot: text.optional(), reply: text.optional(), received: text.optional(), output: text.optional(),
  latencyMs: z.number().optional(),
  status: z.string().optional(),
  failure: failureSchema.optional(), error: failureSchema.optional(), assertion: failureSchema.optional(),
}).passthrough();
const conversationSchema = z.object({
  name: z.string().optional(), conversation: z.string().optional(), file: z.string().optional(),
  passed: z.boolean().optional(), status: z.string().optional(),
  failure: failureSchema.optional(), error: failureSchema.optional(),
  turns: z.array(turnSchema).optional(), transcript: z.array(turnSchema).optional(),
}).passthrough();

/** One conversation as the report shows it. */
export interface ConversationView {
  readonly name: string;
  readonly passed: boolean;
  readonly failure?: string;
  readonly turns: readonly { turn: string; user?: string; bot?: string; latencyMs?: number; failure?: string }[];
}

/**
 * Conversations of the converse phase: `details.conversations`, `details.failures` (failing ones
 * only) or `details` itself as an array. Entries that fit no known form are left out.
 */
export function readConversations(details: unknown): ConversationView[] | undefined {
  const holder = z.object({ conversations: z.array(z.unknown()) }).or(z.object({ failures: z.array(z.unknown()) })).safeParse(details);
  const onlyFailures = holder.success && 'failures' in holder.data;
  const list = holder.success ? ('conversations' in holder.data ? holder.data.conversations : holder.data.failures) : Array.isArray(details) ? details : undefined;
  if (!list) return undefined;
  const views: ConversationView[] = [];
  list.forEach((item, index) => {
    const parsed = conversationSchema.safeParse(item);
    if (!parsed.success) return;
    const value = parsed.data;
    const failure = value.failure ?? value.error;
    const turns = (value.turns ?? value.transcript ?? []).map((turn, at) => {
      const user = turn.user ?? turn.said ?? turn.send ?? turn.input;
      const bot = turn.bot ?? turn.reply ?? turn.received ?? turn.output;
      const number = turn.turn ?? at + 1;
      const own = turn.failure ?? turn.assertion ?? turn.error;
      const message = own?.message ?? (failure && String(failure.turn) === String(number) ? failure.message : turn.status === 'error' ? 'error' : undefined);
      return { turn: String(number), ...(user === undefined ? {} : { user }), ...(bot === undefined ? {} : { bot }), ...(turn.latencyMs === undefined ? {} : { latencyMs: turn.latencyMs }), ...(message === undefined ? {} : { failure: message }) };
    });
    const message = failure?.message ?? turns.find((turn) => turn.failure !== undefined)?.failure;
    const passed = onlyFailures ? false : value.passed ?? (value.status === undefined ? message === undefined : value.status === 'passed');
    const where = failure?.turn === undefined ? '' : `turn ${failure.turn}: `;
    views.push({ name: value.name ?? value.conversation ?? value.file ?? `conversation ${index + 1}`, passed, ...(message === undefined ? {} : { failure: `${where}${message}` }), turns });
  });
  return views;
}

const pointSchema = z.object({
  t: z.number().optional(), at: z.number().optional(), second: z.number().optional(), timeMs: z.number().optional(),
  requests: z.number().optional(), count: z.number().optional(), completed: z.number().optional(), throughput: z.number().optional(),
  errors: z.number().optional(),
}).passthrough();

/** Load throughput over time: `details.timeline` / `details.throughput` as points with a time and a count. */
export function readThroughput(details: unknown): { t: number; requests: number; errors?: number }[] | undefined {
  const holder = z.object({ timeline: z.array(pointSchema).optional(), throughput: z.array(pointSchema).optional() }).safeParse(details);
  if (!holder.success) return undefined;
  const points = holder.data.timeline ?? holder.data.throughput;
  if (!points) return undefined;
  const read = points.flatMap((point) => {
    const t = point.t ?? point.at ?? point.timeMs ?? (point.second === undefined ? undefined : point.second * 1000);
    const requests = point.requests ?? point.completed ?? point.count ?? point.throughput;
    if (t === undefined || requests === undefined) return [];
    return [{ t, requests, ...(point.errors === undefined ? {} : { errors: point.errors }) }];
  });
  return read.length > 0 ? read : undefined;
}
