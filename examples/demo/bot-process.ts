import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EnvironmentError } from '../../shared/errors';

/** The example bot running as a child process. */
export interface BotProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `examples/bot/main.ts` in its own Node process (through tsx) and waits for it to listen.
 * Its own process keeps its latency honest: the load generator never shares its event loop.
 */
export async function startBotProcess(options: { databaseUrl: string; logFile: string; env: NodeJS.ProcessEnv }): Promise<BotProcess> {
  const entry = path.join(__dirname, '..', 'bot', 'main.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry, '--database-url', options.databaseUrl, '--log-file', options.logFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env,
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new EnvironmentError('the example bot did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new EnvironmentError(`the example bot exited with code ${code} before listening`)));
    createInterface({ input: child.stdout ?? process.stdin }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch (cause) {
        reject(new EnvironmentError(`the example bot printed ${JSON.stringify(line)} instead of its port`, { cause }));
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}/chat`,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
