import { z } from 'zod';

/** The `parity` section: two config sources and the policy that says how staging must relate to production. */

const policyAction = z.union([
  z.enum(['copy', 'mustDiffer', 'stagingOnly', 'ignore']),
  z.object({ override: z.string() }).strict(),
]);

/** A config source. Local files for the demo and teams without AWS. */
const source = z.union([
  z.object({ envFile: z.string().min(1) }).strict(),
  z.object({ jsonFile: z.string().min(1) }).strict(),
]);

export const paritySchema = z
  .object({
    production: source,
    staging: source,
    policy: z.object({ keys: z.record(z.string().min(1), policyAction) }).strict(),
  })
  .strict();
export type ParityConfig = z.infer<typeof paritySchema>;
