import { runPromote } from '../../shared/pipeline/phases/promote';
import { createPhaseHandler } from '../common/phase-handler';
import { awsPhaseRuntime } from '../common/phase-runtime';

/** The `promote` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'promote', run: runPromote } as const;

export const handler = createPhaseHandler(phase, { factory: awsPhaseRuntime });
