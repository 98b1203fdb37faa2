import { planLoadStep } from '../../shared/aws/load-fan-out';
import { runLoad } from '../../shared/pipeline/phases/load';
import { awsChecksRuntime } from '../common/checks-runtime';
import { createPhaseHandler } from '../common/phase-handler';

/** The `load` phase's row of the phase table (a test proves it is the table's); its timeout comes from PHASE_TIMEOUT_MS. */
export const phase = { name: 'load', run: runLoad } as const;

/**
 * The first state of the load phase: plans the fan-out over worker Lambdas (the Map state), or runs
 * the phase here when there is nothing to fan out (no load section, stress mode). See `planLoadStep`.
 */
export const handler = createPhaseHandler(phase, { factory: awsChecksRuntime('Load'), step: planLoadStep });
