import { z } from 'zod';
import { rulesSchema } from '../anonymize/rules-schema';
import { awsSchema } from '../aws/config-schema';
import { converseSchema } from '../converse/config-schema';
import { databasesSchema } from '../db/config-schema';
import { loadSchema } from '../load/config-schema';
import { metricsSchema } from '../metrics/config-schema';
import { paritySchema } from '../parity/config-schema';

/**
 * The schema of `rehearsal.config.yaml`: the single truth for the config's types, its validation and
 * the JSON Schema editors use (`docs/rehearsal.config.schema.json`). Each section's schema lives beside
 * the code that uses it.
 */

/** Where the masking key comes from. It is never printed. */
const maskingKeySource = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/** The whole config file. */
export const configSchema = z
  .object({
    /** The bot's name: a metric dimension and part of resource names. */
    bot: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected lowercase letters, digits and dashes, starting with a letter'),
    /** The environment the rehearsal refreshes. */
    environment: z.string().min(1).default('staging'),
    databases: databasesSchema,
    maskingKey: maskingKeySource.default({ env: 'REHEARSAL_MASKING_KEY' }),
    anonymize: rulesSchema,
    parity: paritySchema.optional(),
    converse: converseSchema.optional(),
    load: loadSchema.optional(),
    metrics: metricsSchema,
    /** The AWS deployment (`infra/`): network, triggers, secrets. Only read when deploying. */
    aws: awsSchema.optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The JSON Schema of the config file, for editors (generated from {@link configSchema}). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
