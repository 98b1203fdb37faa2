import { runRestore } from '../../shared/pipeline/phases/restore';
import { createPhaseHandler } from '../common/phase-handler';
import { awsPhaseRuntime } from '../common/phase-runtime';

/** The `restore` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'restore', run: runRestore } as const;

export const handler = createPhaseHandler(phase, { factory: awsPhaseRuntime });
