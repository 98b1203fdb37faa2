import type { AwsClientFactory } from '../../shared/parity/sources';
import { guardedAwsClients, parityClientGuards } from '../../shared/parity/sources/aws-clients';
import { createReconcilePhase } from '../../shared/pipeline/phases/reconcile';
import { awsChecksRuntime } from '../common/checks-runtime';
import { createPhaseHandler } from '../common/phase-handler';

/** Created on the first call, once per container: the guards need the bundled config (production's side, production's databases). */
let clients: AwsClientFactory | undefined;

/**
 * The `reconcile` phase with the Lambda's own guarded clients, reused across invocations (a test
 * proves its name is the table's); its timeout comes from PHASE_TIMEOUT_MS.
 */
export const phase = { name: 'reconcile', run: createReconcilePhase((parity, config) => (clients ??= guardedAwsClients(parityClientGuards(parity, config)))) } as const;

export const handler = createPhaseHandler(phase, { factory: awsChecksRuntime('Reconcile') });
