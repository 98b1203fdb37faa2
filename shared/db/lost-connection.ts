/**
 * SQLSTATEs with which the server ends a session: terminated by an administrator or a server shutdown
 * (`57P01`), a crash of another backend (`57P02`), the server not accepting connections (`57P03`), an
 * idle timeout (`57P05`, `25P03`), and every connection exception (class `08`).
 */
const SESSION_ENDED = new Set(['57P01', '57P02', '57P03', '57P05', '25P03']);
/** What the `pg` driver and Node's sockets say when the connection is gone without a word from the server. */
const DRIVER_LOST = /Connection terminated|not queryable|Connection ended|socket hang up/i;
const SOCKET_LOST = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether `error` means the session is gone (terminated, the server stopped, the network cut), so
 * nothing more runs on this connection and whatever it had not committed was rolled back.
 */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SESSION_ENDED.has(code) || code.startsWith('08') || SOCKET_LOST.has(code))) return true;
  return code === undefined && DRIVER_LOST.test(error.message);
}
