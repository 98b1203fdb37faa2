import type { aws_s3 as s3, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Duration, Stack, aws_cloudwatch as cw, aws_cloudwatch_actions as actions } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { NotificationsConfig } from '../../shared/metrics/config-schema';
import { METRIC } from '../../shared/metrics/catalog';
import { alarmSpecs, type AlarmThresholds } from './alarm-specs';
import { RehearsalDashboard } from './dashboard';
import { OnCallTopic } from './on-call-topic';
import { ReportsBucket, type ReportsBucketProps } from './reports-bucket';
import { latestReportLink, runbookText, type RunbookContext } from './runbook';

/** Props of {@link RehearsalObservability}. */
export interface RehearsalObservabilityProps {
  /** The metrics namespace (`metrics.namespace` in the config). */
  readonly namespace: string;
  readonly bot: string;
  readonly environment: string;
  /** The refresh state machine: its failed, timed-out and aborted executions raise an alarm, and runbooks say how to re-run it. */
  readonly stateMachine?: sfn.IStateMachine;
  /** Where run reports are (an S3 console or website URL); alarm runbooks and the dashboard link to it. */
  readonly reportBaseUrl?: string;
  /** On-call's addresses and the staleness window (`metrics.notifications` in the config). @default no subscriptions, 26 hours */
  readonly notifications?: Partial<NotificationsConfig>;
  /** Latency and error-rate thresholds (usually `load.thresholds`). @default no latency or error-rate alarm */
  readonly thresholds?: AlarmThresholds;
  /** An existing bucket for run reports. @default a {@link ReportsBucket} created here */
  readonly reportsBucket?: s3.IBucket;
  /** Options of the reports bucket created when none is given. */
  readonly reports?: ReportsBucketProps;
}

/**
 * What on-call sees: one SNS topic (email, optional HTTPS endpoint, optional Slack via AWS Chatbot),
 * an alarm per way a rehearsal can go wrong (each description a runbook, each notifying on ALARM and
 * on OK), a staleness alarm that counts missing data as breaching, and a dashboard. Metric names come
 * from `shared/metrics/catalog.ts`, the same list the runs publish.
 */
export class RehearsalObservability extends Construct {
  readonly topic: sns.ITopic;
  /** Where the publish step uploads reports (`<bot>/<runId>/` and `<bot>/latest/`); grant it `grantPut`. */
  readonly reportsBucket: s3.IBucket;
  readonly alarms: readonly cw.Alarm[];
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: RehearsalObservabilityProps) {
    super(scope, id);
    const notifications = props.notifications ?? {};
    this.topic = new OnCallTopic(this, 'OnCall', {
      bot: props.bot,
      notifications: { emails: notifications.emails ?? [], ...(notifications.httpsEndpoint ? { httpsEndpoint: notifications.httpsEndpoint } : {}), ...(notifications.slack ? { slack: notifications.slack } : {}) },
    }).topic;
    this.reportsBucket = props.reportsBucket ?? new ReportsBucket(this, 'Reports', props.reports).bucket;
    const reportBaseUrl = props.reportBaseUrl ?? notifications.reportBaseUrl;
    const context: RunbookContext = {
      bot: props.bot,
      environment: props.environment,
      report: latestReportLink(props.bot, reportBaseUrl, this.reportsBucket.bucketName, Stack.of(this).region),
      rerun: props.stateMachine
        ? `aws stepfunctions start-execution --state-machine-arn ${props.stateMachine.stateMachineArn}`
        : 'npx rehearsal run --config rehearsal.config.yaml',
    };
    const dimensionsMap = { Environment: props.environment, Bot: props.bot };
    const action = new actions.SnsAction(this.topic);
    const notify = (alarm: cw.Alarm): cw.Alarm => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    };

    const alarms = alarmSpecs(props.thresholds ?? {}).map((spec) => notify(new cw.Alarm(this, spec.id, {
      alarmName: `rehearsal-${props.bot}-${props.environment}-${spec.id}`,
      alarmDescription: runbookText(spec.runbook, context),
      metric: typeof spec.metric === 'string'
        ? new cw.Metric({ namespace: props.namespace, metricName: spec.metric, dimensionsMap, statistic: spec.statistic, period: Duration.minutes(5) })
        : new cw.MathExpression({
          expression: spec.metric.expression,
          usingMetrics: Object.fromEntries(Object.entries(spec.metric.using).map(([name, used]) => [name, new cw.Metric({ namespace: props.namespace, metricName: used.metric, dimensionsMap, statistic: used.statistic })])),
          period: Duration.minutes(5),
          label: spec.id,
        }),
      threshold: spec.threshold,
      comparisonOperator: cw.ComparisonOperator[spec.comparison === 'GreaterThanThreshold' ? 'GREATER_THAN_THRESHOLD' : spec.comparison === 'LessThanThreshold' ? 'LESS_THAN_THRESHOLD' : 'GREATER_THAN_OR_EQUAL_TO_THRESHOLD'],
      evaluationPeriods: 1,
      // Runs publish once; between runs there is no data, and the alarm keeps the last run's verdict.
      treatMissingData: cw.TreatMissingData.IGNORE,
    })));

    const staleHours = Math.max(1, Math.ceil((notifications.staleAfter ?? 26 * 3_600_000) / 3_600_000));
    alarms.push(notify(new cw.Alarm(this, 'Stale', {
      alarmName: `rehearsal-${props.bot}-${props.environment}-Stale`,
      alarmDescription: runbookText({
        meaning: `No successful staging refresh for ${staleHours} hours: staging is stale, or rehearsal stopped running (no data counts as breaching).`,
        firstCheck: 'whether the deploy event rule fired and the last execution\'s status; a failed run also raised RefreshFailed.',
      }, context),
      metric: new cw.Metric({ namespace: props.namespace, metricName: METRIC.RefreshSucceeded, dimensionsMap, statistic: 'Sum', period: Duration.hours(1) }),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: staleHours,
      datapointsToAlarm: staleHours,
      treatMissingData: cw.TreatMissingData.BREACHING,
    })));

    if (props.stateMachine) {
      alarms.push(notify(new cw.Alarm(this, 'ExecutionFailed', {
        alarmName: `rehearsal-${props.bot}-${props.environment}-ExecutionFailed`,
        alarmDescription: runbookText({
          meaning: 'A refresh execution failed, timed out or was aborted before it could publish its metrics.',
          firstCheck: "the execution's event history in the Step Functions console (the failed state and its error name).",
        }, context),
        metric: new cw.MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: { failed: props.stateMachine.metricFailed(), timedOut: props.stateMachine.metricTimedOut(), aborted: props.stateMachine.metricAborted() },
          period: Duration.minutes(5),
          label: 'failed, timed out or aborted executions',
        }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      })));
    }
    this.alarms = alarms;
    this.dashboard = new RehearsalDashboard(this, 'Dashboard', {
      namespace: props.namespace, bot: props.bot, environment: props.environment, alarms,
      reportLink: context.report,
    }).dashboard;
  }
}
