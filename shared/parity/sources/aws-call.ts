import { EnvironmentError } from '../../errors';

/**
 * Runs an AWS call; a refusal or an unreachable endpoint becomes an EnvironmentError naming the source.
 * For writes only the error's name is kept: AWS validation messages can quote the value sent.
 */
export async function call<T>(description: string, send: () => Promise<T>, kind: 'read' | 'write' = 'read'): Promise<T> {
  try {
    return await send();
  } catch (cause) {
    const error = cause as Error;
    const detail = kind === 'read' && error.message ? `: ${error.message}` : '';
    throw new EnvironmentError(`cannot ${kind === 'read' ? 'reach' : 'write to'} ${description}: ${error.name}${detail}`, { cause });
  }
}
