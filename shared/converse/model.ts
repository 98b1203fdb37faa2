import { z } from 'zod';

/**
 * The parsed form of a conversation, whatever file it came from (YAML convo or Botium `.convo.txt`).
 * Plain JSON: the load worker Lambda receives conversations in this form through Step Functions, so
 * the schema here is also that boundary's validation.
 */

/** Where something was written: file and 1-based line, for messages. */
export const whereSchema = z.object({ file: z.string(), line: z.number().int().positive().optional() });
export type Where = z.infer<typeof whereSchema>;

/** What the simulated user says: a template (`Hello {{name}}`) or one of several (chosen per user). */
export const userInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('anyOf'), options: z.array(z.string()).min(1) }),
]);
export type UserInput = z.infer<typeof userInputSchema>;

/** One assertion on a bot reply. Text assertions look at the turn's bot messages joined by newlines. */
export const assertionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('contains'), values: z.array(z.string()).min(1), mode: z.enum(['all', 'any']) }),
  z.object({ kind: z.literal('notContains'), values: z.array(z.string()).min(1) }),
  z.object({ kind: z.literal('equals'), value: z.string() }),
  z.object({ kind: z.literal('regex'), patterns: z.array(z.string()).min(1), mode: z.enum(['all', 'any']), flags: z.string().default('') }),
  z.object({
    kind: z.literal('jsonPath'),
    path: z.string(),
    equals: z.unknown().optional(),
    exists: z.boolean().optional(),
    matches: z.string().optional(),
  }),
  z.object({ kind: z.literal('buttons'), titles: z.array(z.string()) }),
]);
export type Assertion = z.infer<typeof assertionSchema>;

/** A value taken from a reply into a variable that later turns use as `{{name}}`. */
export const captureSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/),
  /** `jsonPath` reads the reply body; `regex` reads the joined bot text and takes group 1 (or the match). */
  from: z.enum(['jsonPath', 'regex']),
  expression: z.string(),
  /** Regular expression flags (`i` for Botium's case-insensitive matching). */
  flags: z.string().optional(),
});
export type Capture = z.infer<typeof captureSchema>;

/** One exchange: the user speaks, the bot answers, the answer is checked. */
export const turnSchema = z.object({
  user: userInputSchema,
  expect: z.array(assertionSchema),
  /** Latency budget for this turn's reply, in ms. */
  withinMs: z.number().positive().optional(),
  /** Pause before the user speaks, in ms (think time, Botium PAUSE). */
  thinkMs: z.number().min(0).default(0),
  capture: z.array(captureSchema).default([]),
  where: whereSchema,
});
export type Turn = z.infer<typeof turnSchema>;

/** A whole conversation, with partial convos already included. */
export const conversationSchema = z.object({
  name: z.string().min(1),
  tags: z.array(z.string()).default([]),
  /** Relative share in a load mix. */
  weight: z.number().positive().default(1),
  turns: z.array(turnSchema).min(1),
  /** Rows of user data (from a CSV file): simulated user n gets row n modulo the row count. */
  data: z.array(z.record(z.string(), z.string())).default([]),
  where: whereSchema,
});
export type Conversation = z.infer<typeof conversationSchema>;
