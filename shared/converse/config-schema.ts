import { z } from 'zod';
import { durationSchema } from '../util/duration';

/** The `converse` section: the staging bot's endpoint and the conversation files to run against it. */
export const converseSchema = z
  .object({
    /** The staging bot's HTTP endpoint. */
    target: z.url(),
    /** Glob patterns of conversation files, relative to the config file. */
    convos: z.array(z.string().min(1)).min(1),
    /** Default per-turn latency budget. */
    turnTimeout: durationSchema.default(10_000),
  })
  .strict();
export type ConverseConfig = z.infer<typeof converseSchema>;
