import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EnvironmentError } from '../errors';
import { loadWorkerResultSchema, type LoadWorkerResult } from './result-schema';
import type { LoadWorkerEventInput } from './worker-event';

/** The worker thread entry file, beside this module (computed on use: a bundle may have no such folder). */
const entryFile = (): string => path.join(__dirname, 'worker-thread.mjs');

/**
 * Runs each event in its own worker thread (one per core is the sensible count) and returns their
 * results in order. A worker that fails rejects with its error's name and message.
 */
export async function runInWorkerThreads(events: readonly LoadWorkerEventInput[]): Promise<LoadWorkerResult[]> {
  const entry = entryFile();
  if (!existsSync(entry)) {
    // A bundled Lambda has no TypeScript sources to start threads from: fan out with the load-worker Lambda there.
    throw new EnvironmentError(`load workers > 1 need ${entry} and the TypeScript sources (a checkout); in AWS, fan load out with the load-worker function instead`);
  }
  return Promise.all(events.map((event) => runOne(entry, event)));
}

function runOne(entry: string, event: LoadWorkerEventInput): Promise<LoadWorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: event });
    let settled = false;
    worker.once('message', (message: { ok: true; result: unknown } | { ok: false; name: string; message: string }) => {
      settled = true;
      if (message.ok) resolve(loadWorkerResultSchema.parse(message.result));
      else reject(new Error(`load worker ${event.slice.workerIndex} failed: ${message.name}: ${message.message}`));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(new Error(`load worker ${event.slice.workerIndex} crashed: ${error.message}`, { cause: error }));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker ${event.slice.workerIndex} exited with code ${code} before reporting`));
    });
  });
}
