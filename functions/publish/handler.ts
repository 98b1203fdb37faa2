import { runPublish } from '../../shared/pipeline/phases/publish';
import { createPhaseHandler } from '../common/phase-handler';

/** The `publish` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'publish', run: runPublish } as const;

export const handler = createPhaseHandler(phase);
