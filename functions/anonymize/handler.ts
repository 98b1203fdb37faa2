import { runAnonymize } from '../../shared/pipeline/phases/anonymize';
import { createPhaseHandler } from '../common/phase-handler';
import { awsPhaseRuntime } from '../common/phase-runtime';

/** The `anonymize` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'anonymize', run: runAnonymize } as const;

export const handler = createPhaseHandler(phase, { factory: awsPhaseRuntime });
