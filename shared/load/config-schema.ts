import { z } from 'zod';
import { durationSchema } from '../util/duration';

/** The `load` section: an open workload of simulated users running conversations, with thresholds. */

const loadStage = z
  .object({
    duration: durationSchema,
    arrivalRate: z.number().positive(),
    rampTo: z.number().positive().optional(),
  })
  .strict();

export const loadSchema = z
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
export type LoadConfig = z.infer<typeof loadSchema>;
