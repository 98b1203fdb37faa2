import { z } from 'zod';
import { durationSchema } from '../util/duration';

/** The `converse` section: the staging bot's endpoint and the conversation files to run against it. */
export const converseSchema = z
  .object({
    /** The staging bot's HTTP endpoint. */
    target: z.url(),
    /** Glob patterns of conversation files (YAML convos, Botium `.convo.txt`), relative to the config file. */
    convos: z.array(z.string().min(1)).min(1),
    /** Default per-turn reply timeout (a connector file's `timeoutMs` wins). */
    turnTimeout: durationSchema.default(10_000),
    /** A connector file (relative to the config file); without one the default JSON protocol is used. */
    connector: z.string().min(1).optional(),
    /** Conversations run at the same time. */
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .strict();
export type ConverseConfig = z.infer<typeof converseSchema>;
