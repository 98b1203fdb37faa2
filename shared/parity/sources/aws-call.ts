import { EnvironmentError, ProductionWriteBlockedError } from '../../errors';

/**
 * Runs an AWS call; a refusal or an unreachable endpoint becomes an EnvironmentError naming the source.
 * For writes only the error's name is kept: AWS validation messages can quote the value sent.
 */
export async function call<T>(description: string, send: () => Promise<T>, kind: 'read' | 'write' = 'read'): Promise<T> {
  try {
    return await send();
  } catch (cause) {
    // The client's guard refused the call: that is not the environment failing, and must stay visible as what it is.
    if (cause instanceof ProductionWriteBlockedError) throw cause;
    const error = cause as Error;
    const detail = kind === 'read' && error.message ? `: ${error.message}` : '';
    throw new EnvironmentError(`cannot ${kind === 'read' ? 'reach' : 'write to'} ${description}: ${error.name}${detail}`, { cause });
  }
}
