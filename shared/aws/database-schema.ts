import { z } from 'zod';

/**
 * The RDS DB instance and Aurora cluster entries of the `databases` section. Every restore setting is
 * required and passed to RDS explicitly: nothing falls back to the account's default security group,
 * parameter group or KMS key.
 */

/** RDS identifiers: 1-63 letters, digits or hyphens, starting with a letter (RDS stores them lowercase). */
export const rdsIdentifier = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'expected an RDS identifier: letters, digits and hyphens, starting with a letter, at most 63 characters')
  .refine((id) => !id.endsWith('-') && !id.includes('--'), 'an RDS identifier cannot end with a hyphen or contain two hyphens in a row');

const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id such as sg-0123456789abcdef0');
const secretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'expected a Secrets Manager secret ARN');
const kmsKey = z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'expected a KMS key ARN (a customer managed key: aws/rds snapshots cannot be shared or re-keyed)');

/** How the candidate replaces staging. */
export const swapSchema = z.discriminatedUnion('mode', [
  z
    .object({
      /** A private Route 53 record (CNAME) is pointed at the candidate: instant, and rolled back by pointing it back. */
      mode: z.literal('dns'),
      hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ'),
      /** The stable name applications use for staging, e.g. `db.staging.internal`. */
      recordName: z.string().regex(/^([a-z0-9-]+\.)+[a-z0-9-]+\.?$/i, 'expected a DNS name such as db.staging.internal'),
      ttlSeconds: z.number().int().min(5).max(300).default(30),
    })
    .strict(),
  z
    .object({
      /** Staging is renamed away and the candidate takes its identifier (`NewDBInstanceIdentifier`): its endpoint changes for ~10 minutes. */
      mode: z.literal('rename'),
    })
    .strict(),
]);
export type SwapConfig = z.infer<typeof swapSchema>;

/** A PostgreSQL role name as rehearsal accepts it: an identifier of at most 63 characters. */
const roleName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_$]{0,62}$/, 'expected a PostgreSQL role name: letters, digits, _ or $, starting with a letter or _, at most 63 characters');

/**
 * An application role whose password the anonymize phase replaces on the candidate (production's would
 * otherwise work on staging), staged in the role's secret and made current at promote.
 */
const applicationRole = z
  .object({
    name: roleName,
    /** The secret applications read this role's connection from (RDS's JSON shape: username, password, host, port, dbname, engine). */
    secretArn,
  })
  .strict();

/** Application roles, each named once and with its own secret. */
export const applicationRoles = z
  .array(applicationRole)
  .default([])
  .superRefine((roles, ctx) => {
    const seen = { name: new Set<string>(), secretArn: new Set<string>() };
    for (const [index, role] of roles.entries()) {
      for (const key of ['name', 'secretArn'] as const) {
        if (seen[key].has(role[key])) ctx.addIssue({ code: 'custom', path: [index, key], message: `${key === 'name' ? 'role' : 'secret'} "${role[key]}" is listed twice: each role needs its own secret` });
        seen[key].add(role[key]);
      }
    }
  });

/** Settings both providers need to restore and swap a candidate. */
const restoreSettings = {
  /** The database name inside the server (used for connections). */
  databaseName: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'expected a PostgreSQL database name'),
  port: z.number().int().min(1150).max(65535).default(5432),
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an instance class such as db.t4g.medium'),
  subnetGroupName: z.string().min(1),
  securityGroupIds: z.array(securityGroupId).min(1, 'at least one security group: without it RDS uses the VPC default group'),
  parameterGroupName: z.string().min(1),
  kmsKeyId: kmsKey,
  /** Tags put on every candidate and snapshot, besides rehearsal's own. */
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  /** Prefix of candidate identifiers: `<prefix>-<run id>`. */
  candidatePrefix: rdsIdentifier.refine((id) => id.length <= 40, 'keep the prefix at most 40 characters: the run id is appended'),
  swap: swapSchema,
  /** The secret applications read staging's connection from; its `host` is switched on swap. */
  secretArn,
  /** Application roles given new passwords on the candidate, stored in their secrets (see {@link applicationRoles}). */
  roles: applicationRoles,
};

/**
 * The KMS key production's storage is encrypted with: its snapshots are too, and restoring one needs
 * a grant on it (using the key is not a change to production). Left out for an unencrypted production.
 */
const productionKmsKeyId = kmsKey.optional();

/**
 * Production's own secrets (its applications' database passwords): the production guard refuses any
 * write naming one, and the stack denies it in IAM. A staging role's secret can never be one of them.
 */
const productionSecretArns = z.array(secretArn).default([]);

export const rdsInstanceProduction = z
  .object({ provider: z.literal('rds-instance'), instanceIdentifier: rdsIdentifier, kmsKeyId: productionKmsKeyId, secretArns: productionSecretArns })
  .strict();

export const rdsInstanceStaging = z
  .object({
    provider: z.literal('rds-instance'),
    /** Staging's current instance (dns mode: the first target; rename mode: the identifier staging always has). */
    instanceIdentifier: rdsIdentifier,
    optionGroupName: z.string().min(1),
    ...restoreSettings,
  })
  .strict();

export const auroraProduction = z
  .object({ provider: z.literal('aurora-cluster'), clusterIdentifier: rdsIdentifier, kmsKeyId: productionKmsKeyId, secretArns: productionSecretArns })
  .strict();

export const auroraStaging = z
  .object({
    provider: z.literal('aurora-cluster'),
    clusterIdentifier: rdsIdentifier,
    /** The cluster-level parameter group (`parameterGroupName` is the instance's). */
    clusterParameterGroupName: z.string().min(1),
    /** `snapshot`: restore from the snapshot just taken; `clone`: a copy-on-write clone of production (no snapshot wait). */
    method: z.enum(['snapshot', 'clone']).default('snapshot'),
    ...restoreSettings,
  })
  .strict();
