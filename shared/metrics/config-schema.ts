import { z } from 'zod';

/** The `metrics` section: where metrics go. */
export const metricsSchema = z
  .object({ namespace: z.string().min(1).max(255).default('Rehearsal') })
  .strict()
  .default({ namespace: 'Rehearsal' });
export type MetricsConfig = z.infer<typeof metricsSchema>;
