import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** What the acknowledgements need to find: the constructs the findings are on. */
export interface AcknowledgedParts {
  readonly pipeline: IConstruct;
  /** Roles with the database permissions (the phases', the reaper's). */
  readonly databaseRoles: readonly IConstruct[];
  readonly checksRole: IConstruct;
  /** The publish phase's role (its bucket and log grants are acknowledged where they are made: `grantPublish`). */
  readonly publishRole?: IConstruct;
  readonly reconcileRole: IConstruct;
  /** Resource patterns granted for the parity sources (parameter paths, secret prefixes). */
  readonly parityPatterns: readonly string[];
  readonly controlFunctions: readonly IFunction[];
  readonly stateMachineRole: IConstruct;
  readonly invokedFunctions: readonly IFunction[];
  readonly deadLetterQueue: IConstruct;
  readonly maskingKey?: IConstruct;
  readonly managedResourcePatterns: readonly string[];
}

/**
 * Every cdk-nag AwsSolutions finding the pipeline accepts, each with its reason, on the narrowest
 * construct. Anything not listed here fails the nag test.
 */
export function acknowledgeNagFindings(parts: AcknowledgedParts): void {
  const ack = (scope: IConstruct, id: string, reason: string): void => Validations.of(scope).acknowledge({ id, reason });

  ack(parts.pipeline, 'AwsSolutions-L1', 'nodejs22.x is the runtime rehearsal targets and tests against (esbuild target node22); moving to a newer runtime is a deliberate upgrade, not a drift fix.');

  for (const role of parts.databaseRoles) {
    ack(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'The AWS-maintained minimal policy for a Lambda inside a VPC (network interfaces and logs); hand-copying it would only drift from AWS updates.');
    ack(role, 'AwsSolutions-IAM5[Resource::*]',
      'rds:Describe* calls with filters or markers, and X-Ray PutTraceSegments/PutTelemetryRecords, are only authorised against "*". Every mutating action is scoped to named resources, and production is denied explicitly.');
    for (const pattern of parts.managedResourcePatterns) {
      ack(role, `AwsSolutions-IAM5[Resource::${pattern}]`,
        'Candidates, their snapshots, their RDS-managed master secrets and (rename swap) the parked staging database are named per run (<prefix>-cand-<run>, <prefix>-snap-<run>, rds!..., <staging>-previous-<run>): a prefix pattern is the narrowest possible scope. The prefix is checked at synth time never to match production. Route 53 change ids (change/*, read by GetChange to wait for INSYNC) exist only once a change is made.');
    }
    ack(role, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      "Granted by the CDK's Key.grant on staging's own KMS key only: RDS needs it to encrypt the restored candidate and its managed master secret.");
  }
  ack(parts.checksRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    'The AWS-maintained minimal policy for a Lambda inside a VPC (network interfaces and logs); the check functions reach the staging bot inside the VPC.');
  ack(parts.checksRole, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) are only authorised against "*".');
  if (parts.publishRole) {
    ack(parts.publishRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'The AWS-maintained minimal policy for a Lambda inside a VPC (network interfaces and logs); publish runs beside the other checks in the VPC.');
    ack(parts.publishRole, 'AwsSolutions-IAM5[Resource::*]',
      "X-Ray PutTraceSegments/PutTelemetryRecords and cloudwatch:GetMetricData (staging's database and Lambda metrics for the report) are only authorised against \"*\"; GetMetricData only reads.");
  }
  ack(parts.reconcileRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    'The AWS-maintained minimal policy for a Lambda inside a VPC (network interfaces and logs).');
  ack(parts.reconcileRole, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing and secretsmanager:ListSecrets (to find secrets by prefix or tag) are only authorised against "*"; reading a value is scoped.');
  for (const pattern of parts.parityPatterns) {
    ack(parts.reconcileRole, `AwsSolutions-IAM5[Resource::${pattern}]`,
      'The parity section names config by parameter path, secret prefix or tag: every parameter under the path and every secret under the prefix is what the reconcile phase compares. Read only.');
  }
  for (const fn of parts.controlFunctions) {
    const role = fn.role;
    if (!role) continue;
    ack(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS-maintained minimal policy for a Lambda writing its logs; the function logs to its own explicit log group with retention.');
    ack(role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) are only authorised against "*".');
  }

  ack(parts.stateMachineRole, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing and the CloudWatch Logs delivery actions of a state machine are only authorised against "*".');
  for (const fn of parts.invokedFunctions) {
    const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
    ack(parts.stateMachineRole, `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      "The CDK's LambdaInvoke grant covers the function's versions and aliases (<arn>:*); it names exactly the phase functions of this pipeline.");
  }

  ack(parts.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the trigger rules: a dead-letter queue of a dead-letter queue would never be read.');
  if (parts.maskingKey) {
    ack(parts.maskingKey, 'AwsSolutions-SMG4',
      'The masking key keys every pseudonym: rotating it on a schedule would change every masked value between two refreshes and break comparisons across runs. It is rotated deliberately, by a person.');
  }
}
