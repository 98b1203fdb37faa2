import { z } from 'zod';
import { durationSchema } from '../util/duration';

/** The `parity` section: two config sources, the policy that says how staging must relate to production, and key probes. */

/** What a policy pattern says about the keys it matches. */
export const policyActionSchema = z.union([
  z.enum(['copy', 'mustDiffer', 'stagingOnly', 'ignore']),
  z.object({ override: z.string() }).strict(),
], { error: (issue) => `unknown policy action ${JSON.stringify(issue.input)}, expected copy, mustDiffer, stagingOnly, ignore or { override: VALUE }` });
export type PolicyAction = z.infer<typeof policyActionSchema>;

/** `{ keys: { "DB_*": copy, "*_API_KEY": mustDiffer } }`: glob patterns (`*`, `?`) to actions. */
export const policySchema = z.object({ keys: z.record(z.string().min(1), policyActionSchema) }).strict();
export type ParityPolicy = z.infer<typeof policySchema>;

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1').optional();

/** A config source: local files (the demo, teams without AWS) or AWS ones. */
export const sourceSchema = z.union([
  z.object({ envFile: z.string().min(1) }).strict(),
  z.object({ jsonFile: z.string().min(1) }).strict(),
  z.object({
    /** SSM Parameter Store: every parameter under this path (recursively); keys are names relative to it. */
    ssmPath: z.string().regex(/^\/.*\/$/, 'expected a path starting and ending with "/", such as /bot/staging/'),
    region,
  }).strict(),
  z.object({
    /** Secrets Manager: secrets whose name starts with this prefix; keys are names without it. */
    secretsPrefix: z.string().min(1),
    /** Read a secret holding a JSON object of strings field by field: keys `name/FIELD`. */
    jsonFields: z.boolean().default(false),
    region,
  }).strict(),
  z.object({
    /** Secrets Manager: secrets carrying this tag; keys are the secrets' names. */
    secretsTag: z.object({ key: z.string().min(1), value: z.string().min(1) }).strict(),
    jsonFields: z.boolean().default(false),
    region,
  }).strict(),
  z.object({
    /** Environment variables of Lambda functions: alias to function name; keys are `alias/VARIABLE`. */
    lambdaFunctions: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, _ or -'), z.string().min(1)),
    region,
  }).strict(),
]);
export type SourceConfig = z.infer<typeof sourceSchema>;

/**
 * A key probe: an HTTP request made with a staging secret, so a broken or revoked key is found before
 * the conversation checks fail for it. `${value}` in a header is replaced by the staging value.
 */
export const probeSchema = z.object({
  key: z.string().min(1),
  url: z.url({ error: (issue) => `invalid probe URL ${JSON.stringify(issue.input)}, expected an absolute URL such as https://api.example.com/v1/me` }),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: z.record(z.string().min(1), z.string()).default({}),
  /** HTTP statuses that mean the key works; any 2xx by default. */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  timeout: durationSchema.default(10_000),
}).strict();
export type ProbeConfig = z.infer<typeof probeSchema>;

export const paritySchema = z
  .object({
    production: sourceSchema,
    staging: sourceSchema,
    policy: policySchema,
    probes: z.array(probeSchema).default([]),
  })
  .strict();
export type ParityConfig = z.infer<typeof paritySchema>;
