import { App, Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RehearsalObservability, type RehearsalObservabilityProps } from '../../../infra/observability';
import { runbookText } from '../../../infra/observability/runbook';
import { METRIC_CATALOG } from '../../../shared/metrics/catalog';

function synth(overrides: Partial<RehearsalObservabilityProps> = {}, withStateMachine = false, reportBaseUrl: string | null = 'https://reports.example.com/rehearsal'): { template: Template; stack: Stack; construct: RehearsalObservability } {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const stateMachine = withStateMachine
    ? new sfn.StateMachine(stack, 'Refresh', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Start')) })
    : undefined;
  const construct = new RehearsalObservability(stack, 'Observability', {
    namespace: 'Rehearsal', bot: 'support-bot', environment: 'staging',
    notifications: { emails: ['oncall@example.com', 'lead@example.com'], httpsEndpoint: 'https://events.pagerduty.com/integration/abc/enqueue' },
    ...(reportBaseUrl === null ? {} : { reportBaseUrl }),
    ...(stateMachine ? { stateMachine } : {}),
    ...overrides,
  });
  return { template: Template.fromStack(stack), stack, construct };
}

describe('RehearsalObservability', () => {
  it('subscribes every email and the HTTPS endpoint to one encrypted, TLS-only on-call topic', () => {
    // GIVEN / WHEN
    const { template } = synth();

    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'lead@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://events.pagerduty.com/integration/abc/enqueue' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  it('adds Slack through AWS Chatbot when configured', () => {
    const { template } = synth({ notifications: { emails: [], slack: { workspaceId: 'T123', channelId: 'C456' } } });

    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T123', SlackChannelId: 'C456', ConfigurationName: 'rehearsal-support-bot', SnsTopicArns: [Match.anyValue()],
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('gives every alarm a runbook description and both ALARM and OK notifications', () => {
    const { template } = synth({ thresholds: { p95Ms: 800, p99Ms: 2000, errorRatePercent: 1 } }, true);

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    expect(alarms.map((alarm) => String(alarm.Properties.AlarmName)).sort()).toEqual([
      'ConfigDrift', 'ConversationFailed', 'ErrorRate', 'ExecutionFailed', 'LatencyP95', 'LatencyP99', 'LeakedSecret', 'PiiFound', 'RefreshFailed', 'Stale',
    ].map((id) => `rehearsal-support-bot-staging-${id}`).sort());
    for (const alarm of alarms) {
      const description = JSON.stringify(alarm.Properties.AlarmDescription);
      expect(description).toContain('[rehearsal support-bot/staging]');
      expect(description).toContain('First check:');
      expect(description).toContain('Run report: https://reports.example.com/rehearsal/support-bot/latest/report.html');
      expect(description).toContain('Re-run: aws stepfunctions start-execution --state-machine-arn ');
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  it('alarms on any PII finding, leaked secret, drift or failed conversation, on the catalog names and the bot dimensions', () => {
    const { template } = synth();

    for (const metricName of ['PiiFindings', 'LeakedSecrets', 'DriftKeys', 'ConversationsFailed']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Rehearsal', MetricName: metricName, Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [{ Name: 'Bot', Value: 'support-bot' }, { Name: 'Environment', Value: 'staging' }],
        TreatMissingData: 'ignore',
      });
    }
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => (alarm as { Properties: { MetricName?: string } }).Properties.MetricName).filter((name) => name !== undefined);
    for (const name of names) expect(Object.keys(METRIC_CATALOG)).toContain(name);
  });

  it('raises staleness after N hours without a successful refresh, counting missing data as breaching', () => {
    const { template } = synth({ notifications: { emails: [], staleAfter: 6 * 3_600_000 } });

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rehearsal-support-bot-staging-Stale', MetricName: 'RefreshSucceeded', Statistic: 'Sum', Period: 3600,
      EvaluationPeriods: 6, DatapointsToAlarm: 6, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
  });

  it('alarms on latency percentiles and error rate only when thresholds are given', () => {
    const without = synth().template;
    const withThresholds = synth({ thresholds: { p95Ms: 800, errorRatePercent: 2.5 } }).template;

    expect(Object.values(without.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ResponseTime' } }))).toHaveLength(0);
    expect(Object.values(without.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'rehearsal-support-bot-staging-ErrorRate' } }))).toHaveLength(0);
    withThresholds.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ResponseTime', ExtendedStatistic: 'p95', Threshold: 800, ComparisonOperator: 'GreaterThanThreshold' });
    withThresholds.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rehearsal-support-bot-staging-ErrorRate', Threshold: 2.5, ComparisonOperator: 'GreaterThanThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * errors / requests' }),
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Stat: 'Sum', Metric: Match.objectLike({ MetricName: 'Errors', Dimensions: [{ Name: 'Bot', Value: 'support-bot' }, { Name: 'Environment', Value: 'staging' }] }) }) }),
        Match.objectLike({ Id: 'requests', MetricStat: Match.objectLike({ Stat: 'Sum', Metric: Match.objectLike({ MetricName: 'Requests' }) }) }),
      ]),
    });
  });

  it('alarms on failed, timed-out or aborted executions of the state machine', () => {
    const { template } = synth({}, true);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rehearsal-support-bot-staging-ExecutionFailed',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'failed + timedOut + aborted' }),
        Match.objectLike({ Id: 'timedOut', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut', Namespace: 'AWS/States' }) }) }),
      ]),
      TreatMissingData: 'notBreaching',
    });
  });

  it('builds a dashboard with refresh history, phase durations, pass rate, per-conversation latency, error rate, PII and drift', () => {
    const { template } = synth();

    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardName: string; DashboardBody: unknown } }[];
    expect(dashboard?.Properties.DashboardName).toBe('rehearsal-support-bot-staging');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of ['Refresh history', 'Phase durations (ms)', 'Conversation pass rate (%)', 'Turn latency per conversation (ms)', 'Load latency p95 per turn (ms)', 'Error rate (%) and staging error lines', 'PII findings, drift and leaked secrets']) {
      expect(body).toContain(title);
    }
    expect(body).toContain('SEARCH(');
    expect(body).toContain('MetricName=\\\\\\"TurnLatency\\\\\\"');
    expect(body).toContain('\\"Phase\\",\\"anonymize\\"');
  });

  it('keeps run reports in a private, TLS-only bucket with a lifecycle rule, and links alarms to it without a base URL', () => {
    const { template } = synth({ notifications: { emails: [] }, reports: { expireAfterDays: 30 } }, false, null);

    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireOldReports', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' })] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'reports/' }),
    });
    const [alarm] = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'rehearsal-support-bot-staging-PiiFound' } })) as { Properties: { AlarmDescription: unknown } }[];
    const description = JSON.stringify(alarm?.Properties.AlarmDescription);
    expect(description).toContain('Run report: s3://');
    expect(description).toContain('/support-bot/latest/report.html (console: https://eu-west-1.console.aws.amazon.com/s3/object/');
    expect(description).toContain('ReportsBucket');
  });

  it('passes the cdk-nag AWS Solutions checks', () => {
    const { construct } = synth({ notifications: { emails: ['oncall@example.com'], slack: { workspaceId: 'T1', channelId: 'C1' } } }, true);

    // Only this construct's resources: the test's own state machine is not what is under test.
    const report = new AwsSolutionsChecks().validateScope(construct);

    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.resourceLogicalId).join(', ')}`)).toEqual([]);
  });
});

describe('runbookText', () => {
  it('stays within 1024 characters by shortening the meaning, never the report link or the re-run line', () => {
    const text = runbookText({ meaning: 'x'.repeat(2000), firstCheck: 'the report.' }, { bot: 'b', environment: 'e', report: 's3://reports/b/latest/report.html', rerun: 'npx rehearsal run --config rehearsal.config.yaml' });

    expect(text.length).toBeLessThanOrEqual(1024);
    expect(text.endsWith('Re-run: npx rehearsal run --config rehearsal.config.yaml')).toBe(true);
    expect(text).toContain('Run report: s3://reports/b/latest/report.html (report.json beside it).');
  });
});
