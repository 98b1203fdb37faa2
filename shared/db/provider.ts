import type { ClientConfig } from 'pg';
import type { RoleSecretStore } from '../anonymize/role-credentials';

/**
 * The database provider: how a production database is snapshotted, restored as a candidate, and
 * swapped in as staging. One implementation per platform: local PostgreSQL (`local-provider.ts`), RDS DB
 * instances and Aurora clusters (the AWS providers). The pipeline only sees this interface.
 *
 * Long operations (an RDS restore takes minutes) return `pending` with the reference to pass back on the
 * next call; the local runner sleeps and calls again, the state machine waits in a Wait state.
 * References are plain JSON (they travel in Step Functions state) and never hold a password.
 */
export interface DatabaseProvider {
  /** A short name for reports: `local`, `rds-instance`, `aurora-cluster`. */
  readonly kind: string;
  /** Checks everything the run needs before anything changes; throws EnvironmentError or ConfigError. */
  preflight(): Promise<void>;
  /** Takes (or continues taking) a point-in-time copy of production. The only production action besides describing it. */
  snapshot(runId: string, pending?: SnapshotRef): Promise<Progress<SnapshotRef>>;
  /** Restores (or continues restoring) the snapshot as a new candidate database; staging is not touched. */
  restore(snapshot: SnapshotRef, runId: string, pending?: DatabaseRef): Promise<Progress<DatabaseRef>>;
  /** Connection settings for a candidate or for the current staging database. Never production. */
  connection(ref: DatabaseRef): Promise<ClientConfig>;
  /** Makes the candidate the staging database; the old staging database is kept as the previous one. */
  promote(candidate: DatabaseRef, pending?: Promotion): Promise<Progress<Promotion>>;
  /**
   * Undoes a promotion: the previous database is staging again, the candidate is removed (or, for a swap
   * by renaming, back under its candidate name for `discard`). `pending` when a step must be waited for:
   * call again with the returned promotion, which records how far the rollback got.
   */
  rollback(promotion: Promotion): Promise<Progress<Promotion>>;
  /** Removes a candidate that never became staging. Idempotent. */
  discard(candidate: DatabaseRef): Promise<void>;
  /** After the checks passed: removes the previous staging database unless configured to keep it. */
  commit(promotion: Promotion): Promise<void>;
  /** Removes rehearsal's own snapshots beyond the newest `keep`; returns the removed ids. */
  pruneSnapshots(keep: number): Promise<string[]>;
  /**
   * Where application roles' new passwords are stored (`databases.staging.roles`): the AWS providers'
   * Secrets Manager. Absent for the local provider, whose config may list no roles.
   */
  readonly roleSecrets?: RoleSecretStore;
  /**
   * True when a candidate is a copy of production's whole server (an RDS or Aurora restore: every
   * database on it), not of one database: anonymize then drops the other databases (see
   * other-databases.ts). Absent for the local provider, whose candidates share a server with production.
   */
  readonly restoresWholeServer?: boolean;
}

/** A snapshot rehearsal took. */
export interface SnapshotRef {
  readonly id: string;
  readonly createdAt: string;
}

/** A database rehearsal manages (a candidate, staging, or the previous staging). */
export interface DatabaseRef {
  readonly id: string;
  /** The database name inside its server, for the local provider and for connections. */
  readonly database: string;
}

/** The result of a promotion: which database is staging now, and which one it replaced. */
export interface Promotion {
  readonly staging: DatabaseRef;
  /** The database that was staging before, now kept under another name; absent on the first run. */
  readonly previous?: DatabaseRef;
  /**
   * Where a swap made of waited steps stands (the step reached, a DNS change id...), so a promote or a
   * rollback resumes from state after a wait or a retried call. Provider-specific, plain strings, never a secret.
   */
  readonly swap?: SwapProgress;
}

/** A multi-step swap's progress: a few named strings (`step`, ids). */
export type SwapProgress = Readonly<Record<string, string>>;

/** An operation that is done, or still running and to be called again with `value` after `retryAfterMs`. */
export type Progress<T> =
  | { readonly state: 'ready'; readonly value: T }
  | { readonly state: 'pending'; readonly value: T; readonly retryAfterMs: number; readonly detail?: string };
