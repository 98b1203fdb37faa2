import { z } from 'zod';
import type { MetricsRecorder } from '../metrics/recorder';
import { LoadMeasurement } from './measurement';
import { recordLoadMetrics } from './metrics';
import { toLoadReport, type LoadReport } from './report';
import { evaluateThresholds, type ThresholdCheck } from './thresholds';
import { loadWorkerResultSchema, type LoadWorkerResult } from './result-schema';
import { loadProfileSchema, loadSliceSchema, type LoadProfileInput, type LoadSlice } from './slice-schema';

export { loadSliceSchema, loadWorkerResultSchema };
export type { LoadSlice, LoadWorkerResult };

/**
 * Splits an open-model load profile into `workers` slices (JSON objects, one per worker thread or
 * worker Lambda). Every slice keeps the whole arrival schedule and owns the arrivals whose global index
 * modulo `workers` is its `workerIndex`: together the slices send exactly the arrivals one generator
 * would, at the same intended times, with the same conversation mix. Connections are divided (rounded
 * up, at least one each).
 *
 * @example
 * const slices = planLoadSlices({ phases: [{ durationMs: 60_000, arrivalRate: 800 }], connections: 256 }, 8);
 * // slices[3] = { ..., workerIndex: 3, workerCount: 8, connections: 32 }
 */
export function planLoadSlices(profile: LoadProfileInput, workers: number): LoadSlice[] {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const parsed = loadProfileSchema.parse(profile);
  const connections = Math.max(1, Math.ceil(parsed.connections / workers));
  return Array.from({ length: workers }, (_unused, workerIndex) =>
    loadSliceSchema.parse({ ...parsed, connections, workerIndex, workerCount: workers }),
  );
}

/**
 * Merges worker results exactly: every (conversation, turn)'s encoded HdrHistograms are decoded and
 * added (counts summed), counters are summed, invalid reasons are united. Percentiles are computed from
 * the merged histograms afterwards, never averaged. Returns the merged result in the same JSON form.
 * Throws a zod error naming the bad field when a result is malformed.
 */
export function mergeLoadResults(results: readonly unknown[]): LoadWorkerResult {
  const parsed = z.array(loadWorkerResultSchema).min(1).parse(results);
  const merged = LoadMeasurement.fromResults(parsed);
  return merged.toResult(0, parsed.length);
}

/**
 * After a fanned-out run (the Map state's results): merges the workers' results exactly, evaluates the
 * thresholds on the merged histograms, records the latency distributions when a recorder is given, and
 * returns the same report a local run gives (`load.json`). `checks` come from `thresholdChecksOf(config
 * .load.thresholds)`.
 */
export function loadReportFromResults(
  results: readonly unknown[],
  options: { target: string; mode: 'conversations' | 'raw'; checks: readonly ThresholdCheck[]; metrics?: MetricsRecorder },
): LoadReport {
  const parsed = z.array(loadWorkerResultSchema).min(1).parse(results);
  const measurement = LoadMeasurement.fromResults(parsed);
  if (options.metrics) recordLoadMetrics(measurement, options.metrics);
  const thresholds = evaluateThresholds(options.checks, measurement);
  return toLoadReport(measurement, { mode: options.mode, target: options.target, workers: parsed.length, thresholds });
}
