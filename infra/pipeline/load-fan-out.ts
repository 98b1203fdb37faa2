import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LOAD_RESULTS_PREFIX } from '../../shared/aws/load-results';
import { LOAD_WORKER_TIMEOUT_MS } from '../../shared/aws/load-plan-schema';
import { grantPhaseRecordWrites, REPORTS_BUCKET_ENV } from './publish-access';
import { RehearsalFunction } from './rehearsal-function';

/** Props of {@link LoadFanOut}. */
export interface LoadFanOutProps {
  readonly configFile: string;
  readonly logRetention: RetentionDays;
  /** The workers reach the staging bot inside the VPC (which needs an S3 gateway endpoint or a NAT for the results bucket). */
  readonly network: { readonly vpc: IVpc; readonly subnets: SubnetSelection; readonly securityGroups: ISecurityGroup[] };
  readonly productionDeny: IManagedPolicy;
  /** The load row's `timeoutMs`: the merge step records the phase's result as the phase Lambda does. */
  readonly phaseTimeoutMs: number;
  /** How long worker results are kept. @default 7 days */
  readonly resultsExpiry?: Duration;
  /** Where the merge stores the load phase's record (details and metrics) for publish. @default not stored */
  readonly reportsBucket?: IBucket;
}

/**
 * The AWS side of the load phase's fan-out: a bucket for the workers' encoded results (SSE, TLS only,
 * no public access, expiring), the worker Lambda the Map state invokes once per slice (may write
 * there) and the merge Lambda (may read there). The plan step is the load phase's own function.
 */
export class LoadFanOut extends Construct {
  readonly resultsBucket: Bucket;
  readonly worker: IFunction;
  readonly merge: IFunction;

  constructor(scope: Construct, id: string, props: LoadFanOutProps) {
    super(scope, id);
    this.resultsBucket = new Bucket(this, 'Results', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireLoadResults', expiration: props.resultsExpiry ?? Duration.days(7), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    const environment = { LOAD_RESULTS_BUCKET: this.resultsBucket.bucketName };
    this.worker = new RehearsalFunction(this, 'LoadWorker', {
      name: 'LoadWorker', configFile: props.configFile, logRetention: props.logRetention, network: props.network,
      timeout: Duration.millis(LOAD_WORKER_TIMEOUT_MS), memorySize: 1536, environment,
    }).function;
    this.merge = new RehearsalFunction(this, 'LoadMerge', {
      name: 'LoadMerge', configFile: props.configFile, logRetention: props.logRetention,
      timeout: Duration.minutes(5), memorySize: 1024, environment: { ...environment, PHASE_TIMEOUT_MS: String(props.phaseTimeoutMs), ...(props.reportsBucket ? { [REPORTS_BUCKET_ENV]: props.reportsBucket.bucketName } : {}) },
    }).function;
    this.resultsBucket.grantPut(this.worker, `${LOAD_RESULTS_PREFIX}*`);
    // A retried worker reads its slice's result to know it already ran (no traffic sent twice). grantRead's
    // s3:ListBucket matters: without it S3 answers a missing result with AccessDenied instead of NoSuchKey.
    this.resultsBucket.grantRead(this.worker, `${LOAD_RESULTS_PREFIX}*`);
    this.resultsBucket.grantRead(this.merge, `${LOAD_RESULTS_PREFIX}*`);
    if (props.reportsBucket) grantPhaseRecordWrites(this.merge, props.reportsBucket);
    for (const fn of [this.worker, this.merge]) fn.role?.addManagedPolicy(props.productionDeny);
    this.acknowledgeNagFindings();
  }

  private acknowledgeNagFindings(): void {
    const ack = (scope: Construct, id: string, reason: string): void => Validations.of(scope).acknowledge({ id, reason });
    ack(this.resultsBucket, 'AwsSolutions-S1',
      'The bucket holds only transient load-test histograms written and read by two functions of this stack, expiring after days; access logs would outlive the data they describe. CloudTrail records the API calls.');
    ack(this, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS-maintained minimal policy for a Lambda writing its logs; each function logs to its own explicit log group with retention.');
    ack(this, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'The AWS-maintained minimal policy for a Lambda inside a VPC (network interfaces and logs); the load workers reach the staging bot inside the VPC.');
    ack(this, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) are only authorised against "*".');
    const bucketId = Stack.of(this).getLogicalId(this.resultsBucket.node.defaultChild as CfnElement);
    ack(this, `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${LOAD_RESULTS_PREFIX}*]`,
      'Result keys are per run and per worker (load-results/<run>/worker-NN.json): the prefix is the narrowest scope, in a bucket that holds nothing else.');
    ack(this.worker.role ?? this, 'AwsSolutions-IAM5[Action::s3:Abort*]',
      "Part of the CDK's Bucket.grantPut on the results prefix: lets a worker abort its own interrupted upload.");
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
      ack(this.merge.role ?? this, `AwsSolutions-IAM5[Action::${action}]`,
        "The CDK's Bucket.grantRead on the results prefix of a bucket that holds only load results: the merge reads every worker's result object, nothing else exists there.");
      ack(this.worker.role ?? this, `AwsSolutions-IAM5[Action::${action}]`,
        "The CDK's Bucket.grantRead on the results prefix of a bucket that holds only load results: a retried worker reads its own slice's result to skip traffic already sent (listing makes a missing object NoSuchKey, not AccessDenied).");
    }
  }
}
