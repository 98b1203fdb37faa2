import type { PhaseRuntime } from '../../shared/aws/phase-step';
import type { DatabaseProvider } from '../../shared/db/provider';
import { EnvironmentError } from '../../shared/errors';
import type { RunLog } from '../../shared/pipeline/log';
import { readPhaseSettings } from './phase-settings';

/**
 * The database provider of the functions whose phases never touch rehearsal's databases (reconcile,
 * converse, load and its merge step, publish): it creates no client and answers every call with an
 * EnvironmentError naming the function's role. Their role has no RDS permission either, so a phase that
 * started to need the database would fail there anyway; this way it fails at once, saying why.
 */
export function noDatabaseProvider(functionName: string): DatabaseProvider {
  const refuse = (operation: string) => async (): Promise<never> => {
    throw new EnvironmentError(`the ${functionName} function has no database provider (${operation} called): only the snapshot, restore, anonymize, verify, promote and settle functions create one`);
  };
  return {
    kind: 'none',
    preflight: refuse('preflight'), snapshot: refuse('snapshot'), restore: refuse('restore'), connection: refuse('connection'),
    promote: refuse('promote'), rollback: refuse('rollback'), discard: refuse('discard'), commit: refuse('commit'), pruneSnapshots: refuse('pruneSnapshots'),
  };
}

/**
 * Builds what a check phase runs with in Lambda, once per cold start: the bundled config and
 * {@link noDatabaseProvider}. No RDS, Route 53 or Secrets Manager client is created, nor bundled: a
 * phase's own clients (reconcile's parity sources, publish's S3 and CloudWatch) are injected by its
 * handler. Check functions are never given the masking key.
 */
export function awsChecksRuntime(functionName: string): (log: RunLog, env?: NodeJS.ProcessEnv) => Promise<PhaseRuntime> {
  return async (log, env = process.env) => {
    const { config, baseDir, outDir } = readPhaseSettings(env);
    return { config, baseDir, outDir, providers: { database: noDatabaseProvider(functionName) }, maskingKey: Buffer.alloc(0), log };
  };
}
