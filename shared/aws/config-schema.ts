import { z } from 'zod';
import { rdsIdentifier } from './database-schema';

/**
 * The `aws` section of `rehearsal.config.yaml`: what the deployed stack needs besides the `databases`
 * section (network, triggers, secrets, retention). Read at synth time by the CDK app and at cold start
 * by the Lambdas; it holds no secret values, only ids and ARNs.
 */

const codeDeployTarget = z
  .object({ application: z.string().min(1), deploymentGroup: z.string().min(1) })
  .strict();

export const triggersSchema = z
  .object({
    /** CodePipeline pipelines whose SUCCEEDED executions start a refresh. */
    codePipelines: z.array(z.string().min(1)).default([]),
    /** CodeDeploy application + deployment group pairs whose SUCCESS deployments start a refresh. */
    codeDeploy: z.array(codeDeployTarget).default([]),
    /** Accept `rehearsal.deploy` events that any CI can send with PutEvents. */
    customEvents: z.boolean().default(true),
    /** An EventBridge schedule expression, e.g. `cron(0 3 ? * MON-FRI *)` or `rate(1 day)`. */
    schedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'expected an EventBridge schedule expression: cron(...) or rate(...)').optional(),
  })
  .strict();

export const awsSchema = z
  .object({
    account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1'),
    /** Where the Lambdas that reach the databases run (private subnets with a route to the AWS APIs). */
    network: z
      .object({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'expected a VPC id such as vpc-0123456789abcdef0'),
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'expected a subnet id')).min(1, 'at least one private subnet'),
        availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'expected an availability zone such as eu-west-1a')).min(1),
        /** The Lambdas' security groups: they must be allowed into staging's and the candidate's security groups. */
        securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id')).min(1, 'at least one security group'),
      })
      .strict(),
    triggers: triggersSchema.default({ codePipelines: [], codeDeploy: [], customEvents: true }),
    /** Other production databases the guard and the IAM Deny also protect (read replicas, other clusters). */
    protectedIdentifiers: z.array(rdsIdentifier).default([]),
    /** The masking key's secret; left out, the stack creates one. */
    maskingKeySecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:.+$/, 'expected a Secrets Manager secret ARN').optional(),
    logRetentionDays: z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(365)]).default(30),
    /** How long one whole refresh may run before the state machine stops it (and the lock expires). */
    runTimeoutHours: z.number().int().min(1).max(48).default(12),
  })
  .strict();
export type AwsConfig = z.infer<typeof awsSchema>;
