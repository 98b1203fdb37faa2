import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import type { Execution } from '../../shared/aws/execution';
import type { PhaseRecordStore } from '../../shared/aws/phase-records';
import { runPhaseStep, type PhaseRuntime, type PhaseStep, type PhaseStepSpec } from '../../shared/aws/phase-step';
import { describeError } from '../../shared/errors';
import { toEmfLines } from '../../shared/metrics/emf';
import type { RunLog } from '../../shared/pipeline/log';
import type { PhaseDefinition } from '../../shared/pipeline/phase';
import { readEnv } from './env';
import { powertoolsRunLog } from './log';
import { lazyPhaseRecordStore } from './phase-record-store';

/** Builds the runtime on the first call; injected by tests. */
export type RuntimeFactory = (log: RunLog) => Promise<PhaseRuntime>;

/** Caches the runtime for the container's life; a failed build is retried on the next call, not cached. */
export function lazyRuntime(factory: RuntimeFactory, log: RunLog): () => Promise<PhaseRuntime> {
  let pending: Promise<PhaseRuntime> | undefined;
  return () => {
    pending ??= factory(log).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** The phase's `timeoutMs` from the phase table, set by the CDK construct (the handler does not import the whole table). */
const phaseTimeoutEnv = z.object({ PHASE_TIMEOUT_MS: z.coerce.number().int().positive() });

/** Options of {@link createPhaseHandler}; tests inject all of them. */
export interface PhaseHandlerOptions {
  /**
   * What the phase runs with: `awsPhaseRuntime` for the database phases, `awsChecksRuntime` for the
   * others. Required, so that a handler bundles only the clients its phase uses.
   */
  readonly factory: RuntimeFactory;
  readonly env?: NodeJS.ProcessEnv;
  readonly write?: (text: string) => void;
  /** How one call runs: the phase table's `runPhaseStep` unless the phase has its own states (the load fan-out). */
  readonly step?: (phase: PhaseStepSpec, event: unknown, runtime: PhaseRuntime) => Promise<PhaseStep>;
  /** Where the phase's details and metrics go for publish: the reports bucket from REPORTS_BUCKET unless injected. */
  readonly records?: () => PhaseRecordStore | undefined;
}

/**
 * The Lambda handler of one phase of the table: parse the execution document, run one call of the
 * phase (`runPhaseStep`), write the phase's metrics as EMF lines, store the finished phase's details
 * and metrics in the reports bucket for publish (`phase-records`), return the updated document.
 * Errors propagate with their class name, which the state machine's Retry/Catch match.
 *
 * A handler imports only its own phase's function, not the whole table, so its bundle carries only
 * what that phase needs; a test proves each handler's function is the table's.
 */
export function createPhaseHandler(phase: Pick<PhaseDefinition, 'name' | 'run'>, options: PhaseHandlerOptions) {
  const logger = new Logger({ serviceName: `rehearsal-${phase.name}` });
  const runtime = lazyRuntime(options.factory, powertoolsRunLog(logger));
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const records = options.records ?? lazyPhaseRecordStore(options.env ?? process.env);
  let timeoutMs: number | undefined;
  const run = async (event: unknown): Promise<Execution> => {
    timeoutMs ??= readEnv(phaseTimeoutEnv, options.env ?? process.env).PHASE_TIMEOUT_MS;
    const built = await runtime();
    const step = await (options.step ?? runPhaseStep)({ ...phase, timeoutMs }, event, built);
    if (step.metrics.length > 0) write(toEmfLines(step.metrics, built.config.metrics.namespace));
    const store = step.finished ? records() : undefined;
    if (step.finished && store) {
      // The record only feeds the report: a refresh must not fail for it (publish warns that it is missing).
      await store.write(built.config.bot, step.execution.runId, { phase: phase.name, metrics: step.metrics, ...(step.finished.details === undefined ? {} : { details: step.finished.details }) })
        .catch((error: unknown) => built.log.warn(`${phase.name}: details not stored for the report: ${describeError(error)}`));
    }
    return step.execution;
  };
  return middy(run).use(injectLambdaContext(logger));
}
