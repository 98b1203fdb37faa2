// Entry of a load worker thread. Plain JavaScript so it starts in any Node (the CLI under tsx, jest):
// it registers tsx's CommonJS loader (the project's TypeScript is CommonJS-style, extensionless
// imports), runs its slice and posts the result.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/cjs/api';

register();
const require = createRequire(import.meta.url);
const { runLoadWorker } = require('./worker-event.ts');
try {
  parentPort.postMessage({ ok: true, result: await runLoadWorker(workerData) });
} catch (error) {
  parentPort.postMessage({ ok: false, name: error?.name ?? 'Error', message: error?.message ?? String(error) });
}
