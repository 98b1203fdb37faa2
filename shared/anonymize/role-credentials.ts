import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { isConnectionLost } from '../db/lost-connection';
import { ConfigError, EnvironmentError } from '../errors';
import { CredentialsConnectionLostError } from './errors';

/**
 * The credentials step: the restored candidate carries production's role passwords, so every role the
 * config lists gets a new random password on the candidate, staged in that role's secret as a pending
 * version; promote makes it current, rollback puts the old version back. A password only ever lives in
 * memory, in the secret and (as a SCRAM verifier, never in clear) in the candidate: never in a log, in
 * run state or in an error message.
 */

/** A role the config lists, with the secret applications read its connection from. */
export interface RoleCredentialTarget {
  readonly name: string;
  readonly secretArn: string;
}

/** What run state keeps of a staged role: where its new password is, never the password. */
export interface StagedRole {
  readonly role: string;
  readonly secretArn: string;
  /** The secret version holding the new password (AWSPENDING until promote). */
  readonly versionId: string;
  /** The version that was AWSCURRENT before promote made ours current (rollback moves it back). */
  readonly replacedVersionId?: string;
}

/** The connection fields a role's secret holds besides its username and password (RDS's secret shape). */
export interface RoleConnection {
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
}

/** Where role secrets live (Secrets Manager in AWS). Implementations never log a value. */
export interface RoleSecretStore {
  /** The host, port and database applications use for staging once the candidate is promoted. */
  connectionFor(candidateId: string): Promise<RoleConnection>;
  /** The password a version already holds (a retried call staged it), or undefined when there is no such version. */
  stagedPassword(secretArn: string, versionId: string): Promise<string | undefined>;
  /** Writes `value` as a new version labelled AWSPENDING, idempotently (the version id is the request token). */
  stage(secretArn: string, versionId: string, value: string): Promise<void>;
  /** Makes the version AWSCURRENT; returns the version that was current before. */
  makeCurrent(secretArn: string, versionId: string): Promise<string | undefined>;
  /** Undoes {@link stage} and {@link makeCurrent}: the replaced version is current again, ours carries no label. */
  restore(secretArn: string, versionId: string, replacedVersionId: string | undefined): Promise<void>;
}

/** 32 random bytes, base64url: 256 bits, and no character that needs quoting anywhere. */
export function generateRolePassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The secret version id of a role's new password in a run: a UUID-shaped hash of the run id and the
 * secret, so a retried call sends the same request token and Secrets Manager keeps one version.
 */
export function stagedVersionId(runId: string, secretArn: string): string {
  const hex = createHash('sha256').update(`rehearsal:${runId}:${secretArn}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The SCRAM-SHA-256 verifier of a password (RFC 5802/7677, PostgreSQL's stored form). Sent instead of
 * the password, so the clear text never reaches the server, its statement log or `pg_stat_statements`.
 * The password is ASCII (see {@link generateRolePassword}), for which SASLprep changes nothing.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Sets a role's password on the candidate (`ALTER ROLE <quoted> PASSWORD <verifier>`).
 *
 * @throws {@link ConfigError} when the role does not exist (at `path`); the driver's error itself, its
 * message redacted, when the connection was lost (the caller knows which roles were done: see
 * {@link stageRoleCredentials}); {@link EnvironmentError} for other failures. Neither message nor cause
 * holds the password or its verifier.
 */
export async function setRolePassword(client: pg.ClientBase, role: string, password: string, path: string): Promise<void> {
  const verifier = scramVerifier(password);
  try {
    await client.query(`ALTER ROLE ${quoteIdent(role)} PASSWORD ${quoteLiteral(verifier)}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = redact(error instanceof Error ? error.message : String(error), [password, verifier]);
    // The cause keeps the SQLSTATE and the redacted message only: a driver error can carry the statement.
    const cause = Object.assign(new Error(message), { code });
    if (code === '42704') throw new ConfigError([{ path, message: `role "${role}" does not exist in the candidate: list roles that exist in production` }], { cause });
    if (isConnectionLost(error)) throw cause;
    throw new EnvironmentError(`setting the password of role "${role}" on the candidate failed (${code ?? 'no SQLSTATE'}): ${message}`, { cause });
  }
}

/** Options of {@link stageRoleCredentials}. */
export interface StageRoleCredentialsOptions {
  /** A superuser-like connection to the candidate (its master user). */
  readonly client: pg.ClientBase;
  readonly roles: readonly RoleCredentialTarget[];
  readonly store: RoleSecretStore;
  readonly runId: string;
  readonly candidateId: string;
  /** The config path of the roles list, for messages. */
  readonly path: string;
}

/**
 * Gives each listed role a new password on the candidate and stages it in the role's secret. The
 * secret version is written first: a retried call finds it and sets the same password again, so the
 * secret and the role never disagree.
 *
 * @throws {@link CredentialsConnectionLostError} when the connection is lost, naming the roles done
 * and those left; what {@link setRolePassword} throws otherwise.
 */
export async function stageRoleCredentials(options: StageRoleCredentialsOptions): Promise<StagedRole[]> {
  const { client, roles, store, runId, candidateId, path } = options;
  const connection = roles.length > 0 ? await store.connectionFor(candidateId) : undefined;
  const staged: StagedRole[] = [];
  for (const [index, role] of roles.entries()) {
    const versionId = stagedVersionId(runId, role.secretArn);
    let password = await store.stagedPassword(role.secretArn, versionId);
    if (password === undefined) {
      password = generateRolePassword();
      const value = JSON.stringify({ username: role.name, password, engine: 'postgres', ...connection });
      await store.stage(role.secretArn, versionId, value);
    }
    try {
      await setRolePassword(client, role.name, password, `${path}[${index}].name`);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      throw new CredentialsConnectionLostError(role.name, staged.map((entry) => entry.role), roles.slice(index + 1).map((entry) => entry.name), { cause: error });
    }
    staged.push({ role: role.name, secretArn: role.secretArn, versionId });
  }
  return staged;
}

/** At promote: every staged version becomes its secret's current one; returns the entries with what they replaced. */
export async function promoteRoleCredentials(store: RoleSecretStore, staged: readonly StagedRole[]): Promise<StagedRole[]> {
  const promoted: StagedRole[] = [];
  for (const entry of staged) {
    const replaced = entry.replacedVersionId ?? (await store.makeCurrent(entry.secretArn, entry.versionId));
    promoted.push({ ...entry, ...(replaced === undefined ? {} : { replacedVersionId: replaced }) });
  }
  return promoted;
}

/** At rollback: each secret's previous version is current again and the staged one carries no label. Idempotent. */
export async function rollbackRoleCredentials(store: RoleSecretStore, staged: readonly StagedRole[]): Promise<void> {
  for (const entry of staged) await store.restore(entry.secretArn, entry.versionId, entry.replacedVersionId);
}

/*
 * Quoting as shared/db/client.ts does, repeated here: promote and rollback (the settle Lambda) import this
 * module, and importing db/client would bundle pg into a function that never opens a connection.
 */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function redact(text: string, values: readonly string[]): string {
  return values.reduce((out, value) => out.split(value).join('[redacted]'), text);
}
