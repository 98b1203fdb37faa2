import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { AwsConfig } from '../../shared/aws/config-schema';
import type { Config } from '../../shared/config/schema';

/** The environment variable that tells the publish function where run reports go. */
export const REPORTS_BUCKET_ENV = 'REPORTS_BUCKET';

/**
 * What the publish phase may do, on its own role: put run reports into the reports bucket (`grantPut`),
 * read staging's resource metrics (GetMetricData, which IAM only authorises on "*"), and count error
 * lines in staging's CloudWatch log group when the config names one, and read the reports bucket (the
 * earlier phases' records under `<bot>/<runId>/phases/`). It reads nothing else and writes nowhere else. Each cdk-nag finding this causes is acknowledged on the role, with its reason.
 */
export function grantPublish(fn: IFunction, role: IRole, config: Config, aws: Pick<AwsConfig, 'account' | 'region'>, reportsBucket?: IBucket): void {
  if (reportsBucket) {
    reportsBucket.grantPut(fn);
    // The earlier phases' records (details and metrics) under <bot>/<runId>/phases/, for the report.
    reportsBucket.grantRead(fn);
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: "The CDK's Bucket.grantRead on the reports bucket only: publish reads back each phase's record (<bot>/<runId>/phases/<phase>.json) to render the run report; listing lets a missing record read as NoSuchKey.",
      });
    }
    const bucket = reportsBucket.node.defaultChild as CfnElement | undefined;
    if (bucket) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(bucket)}.Arn>/*]`,
        reason: 'Publish writes one object per report file under <bot>/<runId>/ and <bot>/latest/ of the reports bucket; run ids are only known at run time, so the grant covers the bucket\'s objects.',
      });
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
      reason: "Part of the CDK's Bucket.grantPut on the reports bucket only: it lets an interrupted upload of a report be aborted.",
    });
  }
  role.addToPrincipalPolicy(new PolicyStatement({ sid: 'ReadStagingResourceMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  const stagingLog = config.metrics.stagingLog;
  if (stagingLog && 'logGroup' in stagingLog) {
    const logGroupArn = `arn:aws:logs:${aws.region}:${aws.account}:log-group:${stagingLog.logGroup}`;
    role.addToPrincipalPolicy(new PolicyStatement({ sid: 'CountStagingErrorLines', actions: ['logs:FilterLogEvents'], resources: [logGroupArn, `${logGroupArn}:*`] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${logGroupArn}:*]`,
      reason: "FilterLogEvents reads the streams of staging's own log group, named in metrics.stagingLog.logGroup; stream names are created by the bot at run time.",
    });
  }
}

/** The key pattern phase functions may write in the reports bucket: their records, `<bot>/<runId>/phases/<phase>.json`. */
export const PHASE_RECORDS_PATTERN = '*/phases/*';

/**
 * Lets a phase function store its record (details and metrics, for publish's report) in the reports
 * bucket, under `*\/phases/*` only, and tells it the bucket. The cdk-nag findings of the prefix grant
 * are acknowledged on the function's role, with their reason.
 */
export function grantPhaseRecordWrites(fn: IFunction, reportsBucket: IBucket): void {
  reportsBucket.grantPut(fn, PHASE_RECORDS_PATTERN);
  const role = fn.role;
  const bucket = reportsBucket.node.defaultChild as CfnElement | undefined;
  if (!role) return;
  if (bucket) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(bucket)}.Arn>/${PHASE_RECORDS_PATTERN}]`,
      reason: "A phase writes one record per run (<bot>/<runId>/phases/<phase>.json) for publish's report: run ids are known only at run time, and the grant covers the phases/ folders only, never the reports themselves.",
    });
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
    reason: "Part of the CDK's Bucket.grantPut on the reports bucket's phases/ folders only: it lets an interrupted upload of a phase record be aborted.",
  });
}
