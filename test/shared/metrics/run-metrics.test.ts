import type { PhaseResult } from '../../../shared/pipeline/report';
import { MetricsRecorder } from '../../../shared/metrics/recorder';
import { recordRunMetrics } from '../../../shared/metrics/run-metrics';

const result = (name: PhaseResult['name'], status: PhaseResult['status'], durationMs: number): PhaseResult => ({
  name, status, durationMs, summary: '', attempts: 1, figures: {},
});

describe('recordRunMetrics', () => {
  it('records each phase duration, a PhaseFailed per failed phase and RefreshFailed', () => {
    // Prepare
    const metrics = new MetricsRecorder({ Environment: 'staging', Bot: 'b' }, () => 1);

    // Act
    const { passed } = recordRunMetrics(metrics, [result('snapshot', 'passed', 10), result('verify', 'failed', 20), result('promote', 'not-run', 0)]);

    // Assert
    expect(passed).toBe(false);
    expect(metrics.all().map((datum) => [datum.name, datum.dimensions.Phase, datum.values[0]])).toEqual([
      ['PhaseDuration', 'snapshot', 10],
      ['PhaseDuration', 'verify', 20],
      ['PhaseFailed', 'verify', 1],
      ['RunDuration', undefined, 30],
      ['RefreshSucceeded', undefined, 0],
      ['RefreshFailed', undefined, 1],
    ]);
  });

  it('records RefreshSucceeded when every phase passed or was skipped', () => {
    const metrics = new MetricsRecorder({}, () => 1);

    const { passed } = recordRunMetrics(metrics, [result('snapshot', 'passed', 1), result('reconcile', 'skipped', 0)]);

    expect(passed).toBe(true);
    expect(metrics.all().slice(-2).map((datum) => [datum.name, datum.values[0]])).toEqual([['RefreshSucceeded', 1], ['RefreshFailed', 0]]);
  });
});
