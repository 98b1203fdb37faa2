import { z } from 'zod';

/** CloudWatch units rehearsal uses. */
export const METRIC_UNITS = ['Count', 'Milliseconds', 'Percent', 'Count/Second', 'Bytes', 'None'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

/** Dimension names rehearsal uses; values are always strings. */
export type Dimensions = Readonly<Partial<Record<'Environment' | 'Bot' | 'Phase' | 'Conversation' | 'Turn' | 'Table', string>>>;

/**
 * One metric datapoint. `values` with `counts` is a distribution (CloudWatch takes up to 100 distinct
 * values with their counts per datapoint), which keeps percentiles right when workers are merged.
 */
export interface MetricDatum {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly values: readonly number[];
  readonly counts?: readonly number[];
  readonly dimensions: Dimensions;
  readonly timestamp: number;
}

/** A {@link MetricDatum} read back from JSON (report extras, phase records in S3). */
export const metricDatumSchema = z.object({
  name: z.string(),
  unit: z.enum(METRIC_UNITS),
  values: z.array(z.number()),
  counts: z.array(z.number()).optional(),
  dimensions: z.record(z.string(), z.string()),
  timestamp: z.number(),
});

/** Collects metrics during a run; `publish` writes them out (EMF lines locally, PutMetricData or EMF in AWS). */
export class MetricsRecorder {
  readonly #data: MetricDatum[] = [];
  constructor(
    private readonly baseDimensions: Dimensions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one value. */
  add(name: string, value: number, unit: MetricUnit, dimensions: Dimensions = {}): void {
    this.addDistribution(name, [value], undefined, unit, dimensions);
  }

  /** Records a distribution: distinct values with how many times each was seen. */
  addDistribution(
    name: string,
    values: readonly number[],
    counts: readonly number[] | undefined,
    unit: MetricUnit,
    dimensions: Dimensions = {},
  ): void {
    if (counts && counts.length !== values.length) {
      throw new TypeError(`metric ${name}: ${values.length} values but ${counts.length} counts`);
    }
    this.#data.push({
      name, unit, values: [...values], ...(counts ? { counts: [...counts] } : {}),
      dimensions: { ...this.baseDimensions, ...dimensions }, timestamp: this.now(),
    });
  }

  /** Everything recorded so far, oldest first. */
  all(): readonly MetricDatum[] {
    return this.#data;
  }
}
