import type { LoadResultStore } from '../../shared/aws/load-results';
import { mergeLoadStep } from '../../shared/aws/load-merge-step';
import type { PhaseOutcome } from '../../shared/pipeline/outcome';
import { awsChecksRuntime } from '../common/checks-runtime';
import { createPhaseHandler, type PhaseHandlerOptions } from '../common/phase-handler';
import { lazyLoadResultStore } from '../common/load-results-store';

/**
 * The merge step records the load phase's result but never runs the load: `mergeLoadStep` brings its
 * own run. Not importing `runLoad` keeps the conversation loader and HTTP client out of this bundle.
 */
const mergeOnly = { name: 'load', run: async (): Promise<PhaseOutcome> => { throw new TypeError('the load merge step runs mergeLoadStep, never the load itself'); } } as const;

/**
 * The last state of the fanned-out load phase: reads the workers' results from the load results
 * bucket, merges them exactly and returns the phase's result as the single-Lambda phase would
 * (see `mergeLoadStep`). Options are injected by tests.
 */
export function createLoadMergeHandler(store: () => LoadResultStore = lazyLoadResultStore(), options: Partial<Omit<PhaseHandlerOptions, 'step'>> = {}) {
  return createPhaseHandler(mergeOnly, { factory: awsChecksRuntime('LoadMerge'), ...options, step: (phase, event, runtime) => mergeLoadStep(phase, event, runtime, store()) });
}

export const handler = createLoadMergeHandler();
