import { Duration, aws_cloudwatch as cw } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { METRIC, type MetricName } from '../../shared/metrics/catalog';
import { PHASE_NAMES } from '../../shared/pipeline/report';

/** Props of {@link RehearsalDashboard}. */
export interface RehearsalDashboardProps {
  readonly namespace: string;
  readonly bot: string;
  readonly environment: string;
  readonly alarms: readonly cw.IAlarm[];
  /** Where the latest run report is. */
  readonly reportLink: string;
}

/**
 * The on-call dashboard: refresh history and phase durations, conversation pass rate, latency
 * percentiles per conversation, error rate, PII findings and drift, with the alarms' states on top.
 */
export class RehearsalDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: RehearsalDashboardProps) {
    super(scope, id);
    const dimensionsMap = { Environment: props.environment, Bot: props.bot };
    const metric = (name: MetricName, statistic: string, extra: Record<string, string> = {}, period = Duration.hours(1)) =>
      new cw.Metric({ namespace: props.namespace, metricName: name, dimensionsMap: { ...dimensionsMap, ...extra }, statistic, period, label: name });
    const wide = { width: 12, height: 6 };
    // Conversation names are only known at run time: SEARCH finds every conversation's (or turn's) series.
    const search = (name: MetricName, dimensions: string, statistic: string) => new cw.MathExpression({
      expression: `SEARCH('{${props.namespace},Environment,Bot,${dimensions}} MetricName="${name}" Environment="${props.environment}" Bot="${props.bot}"', '${statistic}', 3600)`,
      label: statistic,
      period: Duration.hours(1),
    });
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `rehearsal-${props.bot}-${props.environment}`,
      defaultInterval: Duration.days(14),
      widgets: [
        [
          new cw.TextWidget({ markdown: `# rehearsal: ${props.bot} (${props.environment})\nLatest run report: ${props.reportLink}`, width: 8, height: 4 }),
          new cw.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 16, height: 4 }),
        ],
        [
          new cw.GraphWidget({ title: 'Refresh history', left: [metric(METRIC.RefreshSucceeded, 'Sum'), metric(METRIC.RefreshFailed, 'Sum')], stacked: true, ...wide }),
          new cw.GraphWidget({ title: 'Phase durations (ms)', left: PHASE_NAMES.map((phase) => metric(METRIC.PhaseDuration, 'Average', { Phase: phase }).with({ label: phase })), stacked: true, ...wide }),
        ],
        [
          new cw.GraphWidget({
            title: 'Conversation pass rate (%)',
            left: [new cw.MathExpression({
              expression: '100 * passed / (passed + failed)',
              usingMetrics: { passed: metric(METRIC.ConversationsPassed, 'Sum'), failed: metric(METRIC.ConversationsFailed, 'Sum') },
              label: 'pass rate', period: Duration.hours(1),
            })],
            leftYAxis: { min: 0, max: 100 },
            ...wide,
          }),
          new cw.GraphWidget({ title: 'Turn latency per conversation (ms)', left: ['p50', 'p95', 'p99'].map((statistic) => search(METRIC.TurnLatency, 'Conversation', statistic)), ...wide }),
        ],
        [
          new cw.GraphWidget({ title: 'Load latency (ms)', left: ['p50', 'p95', 'p99'].map((statistic) => metric(METRIC.ResponseTime, statistic).with({ label: statistic })), ...wide }),
          new cw.GraphWidget({ title: 'Load latency p95 per turn (ms)', left: [search(METRIC.ResponseTime, 'Conversation,Turn', 'p95')], ...wide }),
        ],
        [
          new cw.GraphWidget({ title: 'Error rate (%) and staging error lines', left: [new cw.MathExpression({ expression: '100 * errors / requests', usingMetrics: { errors: metric(METRIC.Errors, 'Sum'), requests: metric(METRIC.Requests, 'Sum') }, label: 'error rate under load', period: Duration.hours(1) })], right: [metric(METRIC.StagingErrorLines, 'Sum')], ...wide }),
          new cw.GraphWidget({ title: 'PII findings, drift and leaked secrets', left: [metric(METRIC.PiiFindings, 'Sum'), metric(METRIC.DriftKeys, 'Sum'), metric(METRIC.LeakedSecrets, 'Sum')], ...wide }),
        ],
      ],
    });
  }
}
