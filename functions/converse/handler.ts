import { runConverse } from '../../shared/pipeline/phases/converse';
import { awsChecksRuntime } from '../common/checks-runtime';
import { createPhaseHandler } from '../common/phase-handler';

/** The `converse` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'converse', run: runConverse } as const;

export const handler = createPhaseHandler(phase, { factory: awsChecksRuntime('Converse') });
