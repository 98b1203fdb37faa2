import { METRIC, type MetricName } from '../../shared/metrics/catalog';
import type { Runbook } from './runbook';

/** A metric math expression over catalog metrics, e.g. the error rate `100 * errors / requests`. */
export interface AlarmExpression {
  readonly expression: string;
  readonly using: Readonly<Record<string, { readonly metric: MetricName; readonly statistic: string }>>;
}

/** One alarm on a catalog metric (or an expression over some): how it is evaluated and the runbook in its description. */
export interface AlarmSpec {
  readonly id: string;
  readonly metric: MetricName | AlarmExpression;
  /** The statistic of a single metric (ignored for an expression). */
  readonly statistic: string;
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold' | 'GreaterThanOrEqualToThreshold';
  readonly threshold: number;
  readonly runbook: Runbook;
}

/** Thresholds for the latency and error-rate alarms (usually the config's `load.thresholds`). */
export interface AlarmThresholds {
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  /** Percent, 0-100. */
  readonly errorRatePercent?: number;
}

/** The alarms on rehearsal's own metrics, with their runbooks. Latency and error-rate alarms only with a threshold. */
export function alarmSpecs(thresholds: AlarmThresholds): AlarmSpec[] {
  const specs: AlarmSpec[] = [
    {
      id: 'RefreshFailed', metric: METRIC.RefreshFailed, statistic: 'Sum', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1,
      runbook: { meaning: 'The staging refresh failed: a phase failed and staging was rolled back or left as it was.', firstCheck: 'the verdict and the failed phase at the top of the run report; the PhaseFailed metric names the phase.' },
    },
    {
      id: 'PiiFound', metric: METRIC.PiiFindings, statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0,
      runbook: { meaning: 'Verify found original personal values in the anonymized candidate; it was NOT promoted to staging.', firstCheck: 'the anonymization coverage table for the table and column named in the verify findings, then add or fix its masking rule.' },
    },
    {
      id: 'LeakedSecret', metric: METRIC.LeakedSecrets, statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0,
      runbook: { meaning: "A staging secret equals production's (shown only as a fingerprint): staging may act on production accounts.", firstCheck: 'the parity table (kind leakedSecret), then rotate the staging secret to its own value; never copy production secrets.' },
    },
    {
      id: 'ConfigDrift', metric: METRIC.DriftKeys, statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0,
      runbook: { meaning: "Staging's config drifted from production's policy (keys missing, different or unexpected).", firstCheck: 'the parity table; `rehearsal parity --config rehearsal.config.yaml --apply` fixes copy keys and overrides.' },
    },
    {
      id: 'ConversationFailed', metric: METRIC.ConversationsFailed, statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0,
      runbook: { meaning: 'A scripted conversation failed against staging.', firstCheck: "the failing conversation's transcript and assertion in the run report, and staging's error lines beside it." },
    },
  ];
  if (thresholds.p95Ms !== undefined) specs.push(latency('LatencyP95', 'p95', thresholds.p95Ms));
  if (thresholds.p99Ms !== undefined) specs.push(latency('LatencyP99', 'p99', thresholds.p99Ms));
  if (thresholds.errorRatePercent !== undefined) {
    specs.push({
      id: 'ErrorRate',
      metric: { expression: '100 * errors / requests', using: { errors: { metric: METRIC.Errors, statistic: 'Sum' }, requests: { metric: METRIC.Requests, statistic: 'Sum' } } },
      statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: thresholds.errorRatePercent,
      runbook: { meaning: `The staging bot's error rate under load was over ${thresholds.errorRatePercent}%.`, firstCheck: "staging's error lines and the resource charts over the load window in the run report." },
    });
  }
  return specs;
}

function latency(id: string, statistic: 'p95' | 'p99', thresholdMs: number): AlarmSpec {
  return {
    id, metric: METRIC.ResponseTime, statistic, comparison: 'GreaterThanThreshold', threshold: thresholdMs,
    runbook: { meaning: `The staging bot's ${statistic} reply latency under load was over ${thresholdMs} ms.`, firstCheck: 'the per-turn percentile chart for the slow turn, then the database CPU, connections and Lambda throttles beside it in the run report.' },
  };
}
