import { NO_RETRY, retryOn, TRANSIENT_ERRORS, type PhaseDefinition } from './phase';
import { runAnonymize } from './phases/anonymize';
import { runConverse } from './phases/converse';
import { runLoad } from './phases/load';
import { commitPromotion, rollbackPromotion, runPromote } from './phases/promote';
import { runPublish } from './phases/publish';
import { runReconcile } from './phases/reconcile';
import { discardCandidate, runRestore } from './phases/restore';
import { runSnapshot } from './phases/snapshot';
import { runVerify } from './phases/verify';

const MINUTE = 60_000;

/**
 * The pipeline, one row per phase, in order. The local runner executes this table and the Step
 * Functions state machine is built from it (names, retries, failure behaviour and timeouts), so the two
 * cannot drift apart.
 */
export const PHASE_TABLE: readonly PhaseDefinition[] = [
  {
    name: 'snapshot',
    description: 'Take a point-in-time snapshot of production (read-only for production).',
    retry: retryOn([...TRANSIENT_ERRORS, 'DBSnapshotAlreadyExistsFault', 'SnapshotQuotaExceededFault']),
    onFailure: 'stop',
    timeoutMs: 120 * MINUTE,
    run: runSnapshot,
  },
  {
    name: 'restore',
    description: 'Restore the snapshot as a candidate staging database.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'stop',
    timeoutMs: 180 * MINUTE,
    run: runRestore,
    undo: discardCandidate,
  },
  {
    name: 'anonymize',
    description: 'Mask every personal value in the candidate; fail closed on any column without a rule.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'stop',
    timeoutMs: 240 * MINUTE,
    run: runAnonymize,
  },
  {
    name: 'verify',
    description: 'Prove no original personal value survived anywhere in the candidate.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'stop',
    timeoutMs: 120 * MINUTE,
    run: runVerify,
  },
  {
    name: 'promote',
    description: 'Swap the candidate in as staging, keeping the previous staging database for rollback.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'stop',
    timeoutMs: 60 * MINUTE,
    run: runPromote,
    undo: rollbackPromotion,
    commit: commitPromotion,
  },
  {
    name: 'reconcile',
    description: "Compare staging's config and secrets with production's under the parity policy.",
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'continue',
    timeoutMs: 10 * MINUTE,
    run: runReconcile,
  },
  {
    name: 'converse',
    description: 'Run the scripted conversations against the staging bot.',
    retry: NO_RETRY,
    onFailure: 'continue',
    timeoutMs: 30 * MINUTE,
    run: runConverse,
  },
  {
    name: 'load',
    description: 'Run simulated users against the staging bot and check latency and error thresholds.',
    retry: NO_RETRY,
    onFailure: 'continue',
    timeoutMs: 60 * MINUTE,
    run: runLoad,
  },
  {
    name: 'publish',
    description: 'Write metrics and the run report; runs whatever happened before.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'continue',
    final: true,
    timeoutMs: 10 * MINUTE,
    run: runPublish,
  },
];
