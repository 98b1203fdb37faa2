import { runReconcile } from '../../shared/pipeline/phases/reconcile';
import { createPhaseHandler } from '../common/phase-handler';

/** The `reconcile` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'reconcile', run: runReconcile } as const;

export const handler = createPhaseHandler(phase);
