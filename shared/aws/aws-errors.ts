import { EnvironmentError, RehearsalError } from '../errors';

/**
 * AWS error names worth retrying: throttling, and a database busy with another operation (RDS spells
 * the state faults both with and without `Fault`, depending on the API).
 */
export const RETRYABLE_AWS_ERRORS = [
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'PriorRequestNotComplete',
  'InvalidDBInstanceStateFault',
  'InvalidDBInstanceState',
  'InvalidDBClusterStateFault',
  'InvalidDBClusterState',
  'InvalidDBSnapshotStateFault',
  'InvalidDBSnapshotState',
  'InvalidDBClusterSnapshotStateFault',
  'InvalidDBClusterSnapshotState',
] as const;

/** True for an error named in {@link RETRYABLE_AWS_ERRORS}. */
export function isRetryableAwsError(error: unknown): boolean {
  return error instanceof Error && (RETRYABLE_AWS_ERRORS as readonly string[]).includes(error.name);
}

/**
 * Wraps a step so that an AWS error whose name matches `names` counts as done: deleting what is already
 * gone, creating what a retried invocation already created. Keeps retried steps idempotent.
 */
export function ignoring(names: RegExp, step: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof Error && names.test(error.name))) throw error;
    }
  };
}

/** True for an AWS "not found" error (`DBInstanceNotFoundFault`, `DBClusterNotFoundFault`, `ResourceNotFoundException`...). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && /NotFound/.test(error.name);
}

/** An AWS request failed for a reason retrying will not fix (access denied, a bad parameter). Not retried. */
export class AwsRequestError extends EnvironmentError {}

/**
 * Runs one AWS step and turns what it throws into rehearsal's errors: retryable faults become an
 * {@link EnvironmentError} (the phase table retries it, locally and in Step Functions); other AWS
 * errors become an {@link AwsRequestError} (exit code 3, never retried), with the action and the AWS
 * error name in the message.
 * Rehearsal's own errors (the production guard's first) pass through untouched.
 */
export async function awsStep<T>(action: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RehearsalError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (isRetryableAwsError(error)) throw new EnvironmentError(`${action} failed: ${name}: ${message} (transient: retried)`, { cause: error });
    throw new AwsRequestError(`${action} failed: ${name}: ${message}`, { cause: error });
  }
}
