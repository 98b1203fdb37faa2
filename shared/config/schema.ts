import { z } from 'zod';
import { rulesSchema } from '../anonymize/rules-schema';
import { durationSchema } from '../util/duration';

/**
 * The schema of `rehearsal.config.yaml`: the single truth for the config's types, its validation and
 * the JSON Schema editors use (`docs/rehearsal.config.schema.json`).
 */

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'expected a PostgreSQL URL such as postgres://user:password@host:5432/dbname');

/** A database reached directly by URL: the local provider (the demo, or a self-managed server). */
const localDatabase = z
  .object({
    provider: z.literal('local').default('local'),
    /** Connection URL. `${env:NAME}` is replaced by that environment variable when the file is read. */
    url: postgresUrl,
  })
  .strict();

const productionDatabase = localDatabase;
const stagingDatabase = localDatabase.extend({
  /** Keep the replaced staging database as `<name>_previous` after the checks pass. */
  keepPrevious: z.boolean().default(false),
  /** How many snapshots rehearsal created to keep; older ones are removed. */
  keepSnapshots: z.number().int().min(1).max(50).default(2),
});

/** Where the masking key comes from. It is never printed. */
const maskingKeySource = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

const parityPolicyAction = z.union([
  z.enum(['copy', 'mustDiffer', 'stagingOnly', 'ignore']),
  z.object({ override: z.string() }).strict(),
]);
/** A config source for the parity check. Local files now; AWS sources come with the parity issue. */
const paritySource = z.union([
  z.object({ envFile: z.string().min(1) }).strict(),
  z.object({ jsonFile: z.string().min(1) }).strict(),
]);

const conversePhase = z
  .object({
    /** The staging bot's HTTP endpoint. */
    target: z.url(),
    /** Glob patterns of conversation files, relative to the config file. */
    convos: z.array(z.string().min(1)).min(1),
    /** Default per-turn latency budget. */
    turnTimeout: durationSchema.default(10_000),
  })
  .strict();

const loadStage = z
  .object({
    duration: durationSchema,
    arrivalRate: z.number().positive(),
    rampTo: z.number().positive().optional(),
  })
  .strict();

const loadPhase = z
  .object({
    /** Defaults to `converse.target`. */
    target: z.url().optional(),
    /** Defaults to `converse.convos`. */
    convos: z.array(z.string().min(1)).min(1).optional(),
    phases: z.array(loadStage).min(1),
    thresholds: z
      .object({
        p95: durationSchema.optional(),
        p99: durationSchema.optional(),
        errorRate: z.number().min(0).max(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** The whole config file. */
export const configSchema = z
  .object({
    /** The bot's name: a metric dimension and part of resource names. */
    bot: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected lowercase letters, digits and dashes, starting with a letter'),
    /** The environment the rehearsal refreshes. */
    environment: z.string().min(1).default('staging'),
    databases: z.object({ production: productionDatabase, staging: stagingDatabase }).strict(),
    maskingKey: maskingKeySource.default({ env: 'REHEARSAL_MASKING_KEY' }),
    anonymize: rulesSchema,
    parity: z
      .object({
        production: paritySource,
        staging: paritySource,
        policy: z.object({ keys: z.record(z.string().min(1), parityPolicyAction) }).strict(),
      })
      .strict()
      .optional(),
    converse: conversePhase.optional(),
    load: loadPhase.optional(),
    metrics: z
      .object({ namespace: z.string().min(1).max(255).default('Rehearsal') })
      .strict()
      .default({ namespace: 'Rehearsal' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (sameDatabase(config.databases.production.url, config.databases.staging.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['databases', 'staging', 'url'],
        message: 'staging names the same database as production; rehearsal never writes to production',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

function sameDatabase(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const port = (url: URL): string => url.port || '5432';
    return x.hostname === y.hostname && port(x) === port(y) && x.pathname === y.pathname;
  } catch {
    return false;
  }
}

/** The JSON Schema of the config file, for editors (generated from {@link configSchema}). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
