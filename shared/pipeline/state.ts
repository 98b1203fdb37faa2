import type { AnonymizeProgress } from '../anonymize/anonymize';
import type { StagedRole } from '../anonymize/role-credentials';
import type { DatabaseRef, Promotion, SnapshotRef } from '../db/provider';
import type { Settlement } from './report';

/**
 * What phases hand to later phases. Plain JSON: in AWS it travels through Step Functions state between
 * Lambdas, so it never holds a password or a PII value (only ids and secret ARNs).
 */
export interface RunState {
  snapshot?: SnapshotRef;
  candidate?: DatabaseRef;
  promotion?: Promotion;
  /** Set when the run changed staging back to its previous database. */
  rolledBack?: boolean;
  /** What the run did to staging, set before the final phases (publish) run. */
  settlement?: Settlement;
  /** Where masking the candidate stands (tables done, per-table figures), so a pending anonymize resumes. */
  anonymize?: AnonymizeProgress;
  /** Application roles given new passwords by anonymize: each secret's ARN and version ids, never a password. */
  stagedRoles?: StagedRole[];
}
