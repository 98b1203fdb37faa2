import type { PhaseResult } from '../pipeline/report';
import { METRIC } from './catalog';
import type { MetricsRecorder } from './recorder';

/**
 * Records the run-level metrics from the results of the phases that ran: each phase's duration, a
 * PhaseFailed per failed phase, the run's duration, and RefreshSucceeded and RefreshFailed as 0 or 1
 * (the staleness alarm watches RefreshSucceeded). Phases that did not run record nothing.
 */
export function recordRunMetrics(recorder: MetricsRecorder, results: readonly PhaseResult[]): { passed: boolean } {
  let total = 0;
  let passed = true;
  for (const result of results) {
    if (result.status === 'not-run') {
      passed = false;
      continue;
    }
    total += result.durationMs;
    recorder.add(METRIC.PhaseDuration, result.durationMs, 'Milliseconds', { Phase: result.name });
    if (result.status === 'failed') {
      passed = false;
      recorder.add(METRIC.PhaseFailed, 1, 'Count', { Phase: result.name });
    }
  }
  recorder.add(METRIC.RunDuration, total, 'Milliseconds');
  // Both, every run: alarms that keep their state on missing data go back to OK on the next good run.
  recorder.add(METRIC.RefreshSucceeded, passed ? 1 : 0, 'Count');
  recorder.add(METRIC.RefreshFailed, passed ? 0 : 1, 'Count');
  return { passed };
}
