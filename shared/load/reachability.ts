import { connect } from 'node:net';
import { EnvironmentError } from '../errors';

/**
 * Opens (and closes) one TCP connection to the target before any load is sent, so an unreachable
 * bot ends the run at once with a clear message instead of a flood of connection errors.
 */
export async function assertReachable(target: string, timeoutMs = 3_000): Promise<void> {
  const url = new URL(target);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: url.hostname, port });
    const fail = (reason: string, cause?: unknown) => {
      socket.destroy();
      reject(new EnvironmentError(`the target ${url.origin} is unreachable (${reason}); no load was sent`, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no connection within ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message, error));
  });
}
