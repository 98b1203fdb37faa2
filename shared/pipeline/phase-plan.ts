import { NO_RETRY, retryOn, TRANSIENT_ERRORS, type PhaseSpec } from './phase';
import { commitPromotion, rollbackPromotion } from './phases/promote';
import { discardCandidate } from './phases/restore';

const MINUTE = 60_000;

/**
 * The pipeline, one row per phase, in order, without the phases' implementations: names, retries,
 * failure behaviour, timeouts, and the undo / commit steps that settle staging. The Step Functions
 * state machine and the settle Lambda need exactly this; `PHASE_TABLE` (phase-table.ts) adds each
 * phase's `run` for the local runner. Keeping the implementations out of here keeps every phase's
 * dependencies (pg, the anonymizer, the load engine, HTTP clients) out of the bundles that import it.
 * The undo / commit steps come from the restore and promote phase modules, which must stay free of
 * heavy packages: test/infra/bundle-contents.test.ts checks the settle bundle's import graph.
 */
export const PHASE_PLAN: readonly PhaseSpec[] = [
  {
    name: 'snapshot',
    description: 'Take a point-in-time snapshot of production (read-only for production).',
    retry: retryOn([...TRANSIENT_ERRORS, 'DBSnapshotAlreadyExistsFault', 'SnapshotQuotaExceededFault']),
    onFailure: 'stop',
    timeoutMs: 120 * MINUTE,
  },
  {
    name: 'restore',
    description: 'Restore the snapshot as a candidate staging database.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'stop',
    timeoutMs: 180 * MINUTE,
    undo: discardCandidate,
  },
  {
    name: 'anonymize',
    description: 'Mask every personal value in the candidate; fail closed on any column without a rule.',
    // A lost connection is retried too: a new call resumes from what the candidate records as committed,
    // and sets the application roles' passwords again to those staged in their secrets.
    retry: retryOn([...TRANSIENT_ERRORS, 'ConnectionLostError', 'CredentialsConnectionLostError']),
    onFailure: 'stop',
    timeoutMs: 240 * MINUTE,
  },
  {
    name: 'verify',
    description: 'Prove no original personal value survived anywhere in the candidate.',
    // A lost connection too: verify changes nothing until it passes (one transaction), so a new call searches again.
    retry: retryOn([...TRANSIENT_ERRORS, 'VerifyConnectionLostError']),
    onFailure: 'stop',
    timeoutMs: 120 * MINUTE,
  },
  {
    name: 'promote',
    description: 'Swap the candidate in as staging, keeping the previous staging database for rollback.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'stop',
    timeoutMs: 60 * MINUTE,
    undo: rollbackPromotion,
    commit: commitPromotion,
  },
  {
    name: 'reconcile',
    description: "Compare staging's config and secrets with production's under the parity policy.",
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'continue',
    timeoutMs: 10 * MINUTE,
  },
  {
    name: 'converse',
    description: 'Run the scripted conversations against the staging bot.',
    retry: NO_RETRY,
    onFailure: 'continue',
    timeoutMs: 30 * MINUTE,
  },
  {
    name: 'load',
    description: 'Run simulated users against the staging bot and check latency and error thresholds.',
    retry: NO_RETRY,
    onFailure: 'continue',
    timeoutMs: 60 * MINUTE,
  },
  {
    name: 'publish',
    description: 'Write metrics and the run report; runs whatever happened before.',
    retry: retryOn([...TRANSIENT_ERRORS]),
    onFailure: 'continue',
    final: true,
    timeoutMs: 10 * MINUTE,
  },
];
