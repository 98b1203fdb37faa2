import { runLoad } from '../../shared/pipeline/phases/load';
import { createPhaseHandler } from '../common/phase-handler';

/** The `load` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'load', run: runLoad } as const;

export const handler = createPhaseHandler(phase);
