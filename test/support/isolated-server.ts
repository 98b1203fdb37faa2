import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseDatabaseUrl } from '../../shared/db/client';

/** A PostgreSQL server of one test file's own (see isolated-server-main.ts). */
export interface IsolatedServer {
  /** A superuser URL for a database on it. */
  url(database?: string): string;
  stop(): Promise<void>;
}

/** Starts a server in a child process and resolves once it accepts connections. */
export async function startIsolatedServer(): Promise<IsolatedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'isolated-server-main.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.once('exit', (code) => reject(new Error(`the isolated PostgreSQL server exited (${code}) before it started: ${err.trim()}`)));
  });
  return {
    url: (database = 'postgres') => parseDatabaseUrl(url).withDatabase(database),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
