import { parseArgs } from 'node:util';
import { startExampleBot } from './server';

/**
 * Runs the example bot as its own process (the demo starts it so, so its CPU and memory are its own
 * and it never shares an event loop with the load generator). Prints `{"port":N}` once listening;
 * stops on SIGTERM or when stdin closes.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, port: { type: 'string' }, 'log-file': { type: 'string' } } });
  const databaseUrl = values['database-url'];
  if (!databaseUrl) {
    process.stderr.write('usage: main.ts --database-url URL [--port N] [--log-file FILE]\n');
    process.exitCode = 2;
    return;
  }
  const bot = await startExampleBot({
    databaseUrl,
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values['log-file'] ? { logFile: values['log-file'] } : {}),
  });
  process.stdout.write(`${JSON.stringify({ port: bot.port })}\n`);
  const stop = (): void => void bot.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

void main();
