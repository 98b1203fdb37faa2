import { z } from 'zod';
import { durationSchema } from '../util/duration';

/**
 * The YAML convo file format (what people write). `parseYamlConvo` turns it into the
 * {@link Conversation} model. Each `expect` item has exactly one asserter key.
 */

const oneOrMany = z.union([z.string(), z.array(z.string()).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

export const ASSERTERS = ['contains', 'containsAny', 'notContains', 'equals', 'regex', 'regexAny', 'jsonPath', 'buttons'] as const;

const expectItem = z
  .strictObject(
    {
      /** Every one of the strings appears in the reply. */
      contains: oneOrMany.optional(),
      /** At least one appears. */
      containsAny: oneOrMany.optional(),
      notContains: oneOrMany.optional(),
      /** The whole reply text, trimmed. */
      equals: z.string().optional(),
      /** Every pattern matches (JavaScript regular expressions). */
      regex: oneOrMany.optional(),
      regexAny: oneOrMany.optional(),
      jsonPath: z
        .strictObject({ path: z.string().min(1), equals: z.unknown().optional(), exists: z.boolean().optional(), matches: z.string().optional() })
        .optional(),
      /** These button titles are offered. */
      buttons: z.array(z.string()).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown asserter ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}, expected one of ${ASSERTERS.join(', ')}`
          : undefined,
    },
  )
  .refine((item) => Object.values(item).filter((value) => value !== undefined).length === 1, {
    message: `each expect item has exactly one asserter (${ASSERTERS.join(', ')})`,
    // An unknown asserter is already reported; saying "exactly one" as well would only confuse.
    when: (payload) => payload.issues.length === 0,
  });
export type YamlExpectItem = z.infer<typeof expectItem>;

const captureItem = z.union([
  z.strictObject({ jsonPath: z.string().min(1) }),
  z.strictObject({ regex: z.string().min(1) }),
]);

const userInput = z.union([
  z.string(),
  z.strictObject({ anyOf: z.array(z.string()).min(1) }),
  /** An utterance list by name (from a `.utterances.txt` file or a YAML `utterances:` map). */
  z.strictObject({ utterances: z.string().min(1) }),
]);

const turnItem = z.union([
  z.strictObject({ include: z.string().min(1) }),
  z.strictObject({
    user: userInput,
    expect: z.array(expectItem).default([]),
    within: durationSchema.optional(),
    think: durationSchema.optional(),
    capture: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name: letters, digits and _'), captureItem).default({}),
  }),
]);
export type YamlTurnItem = z.infer<typeof turnItem>;

export const yamlConvoSchema = z.strictObject({
  name: z.string().min(1),
  /** A partial convo: only included by name from other convos, never run on its own. */
  partial: z.boolean().default(false),
  tags: z.array(z.string()).default([]),
  weight: z.number().positive().default(1),
  /** A CSV file (relative to this file): one row per simulated user, columns become variables. */
  data: z.string().min(1).optional(),
  /** Utterance lists this file defines, by name. */
  utterances: z.record(z.string(), z.array(z.string()).min(1)).default({}),
  turns: z.array(turnItem).min(1),
});
export type YamlConvo = z.infer<typeof yamlConvoSchema>;
