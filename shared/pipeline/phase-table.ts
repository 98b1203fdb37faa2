import type { PhaseDefinition } from './phase';
import { PHASE_PLAN } from './phase-plan';
import { runAnonymize } from './phases/anonymize';
import { runConverse } from './phases/converse';
import { runLoad } from './phases/load';
import { runPromote } from './phases/promote';
import { runPublish } from './phases/publish';
import { runReconcile } from './phases/reconcile';
import { runRestore } from './phases/restore';
import { runSnapshot } from './phases/snapshot';
import { runVerify } from './phases/verify';
import type { PhaseName } from './report';

/**
 * Every phase's implementation, by name. Importing this module imports every phase and all its
 * dependencies: only the local runner (and tests) do. A phase Lambda imports its own phase module,
 * and the state machine builder and the settle Lambda need only {@link PHASE_PLAN}.
 */
export const PHASE_RUNS: Readonly<Record<PhaseName, PhaseDefinition['run']>> = {
  snapshot: runSnapshot,
  restore: runRestore,
  anonymize: runAnonymize,
  verify: runVerify,
  promote: runPromote,
  reconcile: runReconcile,
  converse: runConverse,
  load: runLoad,
  publish: runPublish,
};

/**
 * The pipeline, one row per phase, in order: {@link PHASE_PLAN}'s rows, each with its phase's `run`.
 * The local runner executes this table and the Step Functions state machine is built from it (names,
 * retries, failure behaviour and timeouts), so the two cannot drift apart.
 */
export const PHASE_TABLE: readonly PhaseDefinition[] = PHASE_PLAN.map((spec) => ({ ...spec, run: PHASE_RUNS[spec.name] }));
