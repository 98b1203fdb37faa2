import { runVerify } from '../../shared/pipeline/phases/verify';
import { createPhaseHandler } from '../common/phase-handler';
import { awsPhaseRuntime } from '../common/phase-runtime';

/** The `verify` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'verify', run: runVerify } as const;

export const handler = createPhaseHandler(phase, { factory: awsPhaseRuntime });
