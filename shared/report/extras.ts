import { z } from 'zod';
import { metricDatumSchema, type MetricDatum } from '../metrics/recorder';
import type { ResourceSeries } from '../metrics/resources';
import type { CheckWindow, StagingErrors } from '../metrics/staging-log';

/** What the report shows beyond report.json: the metrics recorded, staging's errors and resources. */
export interface ReportExtras {
  readonly metrics?: readonly MetricDatum[];
  readonly stagingErrors?: StagingErrors;
  readonly resources?: readonly ResourceSeries[];
  /** The span the checks ran in (staging errors and resources are read over it). */
  readonly checkWindow?: CheckWindow;
}


/** The schema of `report-extras.json`, which publish writes so the report can be rendered again later. */
export const reportExtrasSchema = z.object({
  metrics: z.array(metricDatumSchema).optional(),
  stagingErrors: z.object({ source: z.string(), count: z.number(), lines: z.array(z.string()) }).optional(),
  resources: z.array(z.object({ label: z.string(), unit: z.string(), points: z.array(z.object({ t: z.number(), v: z.number() })) })).optional(),
  checkWindow: z.object({ startMs: z.number(), endMs: z.number() }).optional(),
});

/** Reads extras leniently: anything unreadable is left out rather than failing the report. */
export function parseReportExtras(value: unknown): ReportExtras {
  const parsed = reportExtrasSchema.safeParse(value);
  if (!parsed.success) return {};
  const { metrics, stagingErrors, resources, checkWindow } = parsed.data;
  return {
    ...(metrics ? { metrics: metrics.map(({ counts, ...rest }) => ({ ...rest, ...(counts ? { counts } : {}) })) } : {}),
    ...(stagingErrors ? { stagingErrors } : {}),
    ...(resources ? { resources } : {}),
    ...(checkWindow ? { checkWindow } : {}),
  };
}
