import { runSnapshot } from '../../shared/pipeline/phases/snapshot';
import { createPhaseHandler } from '../common/phase-handler';
import { awsPhaseRuntime } from '../common/phase-runtime';

/** The `snapshot` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'snapshot', run: runSnapshot } as const;

export const handler = createPhaseHandler(phase, { factory: awsPhaseRuntime });
