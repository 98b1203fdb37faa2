import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { EnvironmentError } from '../errors';
import { awsStep } from './aws-errors';

/** The private record staging is reached through. */
export interface DnsRecord {
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly ttlSeconds: number;
}

/** The identifier an RDS endpoint belongs to: its first label (`<id>.<hash>.<region>.rds.amazonaws.com`). */
export function identifierOfEndpoint(endpoint: string): string | undefined {
  const match = /^([a-z][a-z0-9-]*)\.(cluster-)?[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com\.?$/i.exec(endpoint);
  return match?.[1]?.toLowerCase();
}

/** What the record points at now (a CNAME target), or undefined when the record does not exist yet. */
export async function currentTarget(route53: Route53Client, record: DnsRecord): Promise<string | undefined> {
  const name = absolute(record.recordName);
  const found = await awsStep(`reading record ${name}`, () => route53.send(new ListResourceRecordSetsCommand({
    HostedZoneId: record.hostedZoneId, StartRecordName: name, StartRecordType: 'CNAME', MaxItems: 1,
  })));
  const set = found.ResourceRecordSets?.[0];
  if (!set || absolute(set.Name ?? '') !== name || set.Type !== 'CNAME') return undefined;
  return set.ResourceRecords?.[0]?.Value?.replace(/\.$/, '');
}

/**
 * Points the record at `target` (UPSERT: creates it on the first run). Returns the change's id, to
 * wait on with {@link isChangeInSync} (undefined when Route 53 gave none).
 */
export async function pointRecordAt(route53: Route53Client, record: DnsRecord, target: string, comment: string): Promise<string | undefined> {
  const changed = await awsStep(`pointing ${record.recordName} at ${target}`, () => route53.send(new ChangeResourceRecordSetsCommand({
    HostedZoneId: record.hostedZoneId,
    ChangeBatch: {
      Comment: comment,
      Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: absolute(record.recordName), Type: 'CNAME', TTL: record.ttlSeconds, ResourceRecords: [{ Value: target }] } }],
    },
  })));
  return changed.ChangeInfo?.Id;
}

/** Removes the record (a rollback of the first run, when there was no staging before). Returns the change's id. */
export async function deleteRecord(route53: Route53Client, record: DnsRecord, target: string): Promise<string | undefined> {
  const changed = await awsStep(`deleting record ${record.recordName}`, () => route53.send(new ChangeResourceRecordSetsCommand({
    HostedZoneId: record.hostedZoneId,
    ChangeBatch: {
      Comment: 'rehearsal rollback: there was no staging database before this run',
      Changes: [{ Action: 'DELETE', ResourceRecordSet: { Name: absolute(record.recordName), Type: 'CNAME', TTL: record.ttlSeconds, ResourceRecords: [{ Value: target }] } }],
    },
  })));
  return changed.ChangeInfo?.Id;
}

/**
 * Whether a record change reached every Route 53 authoritative server (`INSYNC`; `PENDING` before).
 * Until then a resolver may still be given the old target.
 */
export async function isChangeInSync(route53: Route53Client, changeId: string): Promise<boolean> {
  const found = await awsStep(`reading record change ${changeId}`, () => route53.send(new GetChangeCommand({ Id: changeId })));
  return found.ChangeInfo?.Status === 'INSYNC';
}

/** The connection fields of an RDS-style secret; other fields (password, engine...) are kept as they are. */
const connectionSecret = z.looseObject({ host: z.string().optional(), port: z.union([z.number(), z.string()]).optional(), dbname: z.string().optional() });

/**
 * Makes the staging secret's `host`, `port` and `dbname` name the stable endpoint, so applications
 * reading the secret follow the swap too. Writes a new version only when something differs; the
 * secret's other fields (the application's password) are copied, never logged.
 * Returns whether a new version was written.
 */
export async function pointSecretAt(secrets: SecretsManagerClient, secretArn: string, host: string, port: number, dbname: string): Promise<boolean> {
  const current = await awsStep(`reading secret ${secretArn}`, () => secrets.send(new GetSecretValueCommand({ SecretId: secretArn })));
  let parsed: z.infer<typeof connectionSecret>;
  try {
    parsed = connectionSecret.parse(JSON.parse(current.SecretString ?? '{}'));
  } catch (cause) {
    throw new EnvironmentError(`secret ${secretArn} is not a JSON object with host/port/dbname fields (its value is not shown)`, { cause });
  }
  if (parsed.host === host && String(parsed.port) === String(port) && parsed.dbname === dbname) return false;
  const next = JSON.stringify({ ...parsed, host, port, dbname });
  await awsStep(`updating secret ${secretArn}`, () => secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: next })));
  return true;
}

function absolute(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}
