import { Duration, RemovalPolicy, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Props of {@link ReportsBucket}. */
export interface ReportsBucketProps {
  /** Days a run's report is kept. @default 90 */
  readonly expireAfterDays?: number;
  /** Where S3 server access logs go. @default a logs bucket created here */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * Where run reports live in AWS (`<bot>/<runId>/report.html` and `<bot>/latest/`): private, encrypted,
 * TLS only, versioned, with a lifecycle rule expiring old reports (and old versions) so the bucket
 * does not grow forever. Reports hold no secret and no production PII, but they are internal.
 */
export class ReportsBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: ReportsBucketProps = {}) {
    super(scope, id);
    const days = props.expireAfterDays ?? 90;
    // `Bucket` is an `IBucket`, but not under exactOptionalPropertyTypes (its `isWebsite` is optional): widen explicitly.
    const accessLogs: s3.IBucket = props.accessLogsBucket ?? (new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(days) }],
      removalPolicy: RemovalPolicy.RETAIN,
    }) as s3.IBucket);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [{
        id: 'ExpireOldReports',
        expiration: Duration.days(days),
        noncurrentVersionExpiration: Duration.days(7),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy: RemovalPolicy.RETAIN,
    }) as s3.IBucket;
  }
}
