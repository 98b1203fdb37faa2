/**
 * Bundles every Lambda handler with esbuild exactly as the CDK construct does (infra/pipeline/bundling.ts,
 * plugins included)
 * and prints, as JSON, each bundle's size and its cold import time (a fresh `node` process requiring the
 * bundle, median of several runs), against a baseline measured in the same run: an empty handler
 * bundled the same way. Targets from issue 4: under 1 MB and 200 ms each.
 *
 * Run: npx tsx bench/bundles.ts [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLING, bundleHandler, FUNCTION_ENTRIES, PROJECT_ROOT } from '../infra/pipeline/bundling';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5);
const out = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bundles-'));

async function bundle(name: string, entry: string): Promise<string> {
  const outfile = path.join(out, name, 'index.js');
  await bundleHandler(entry, outfile);
  return outfile;
}

/** Median wall time of a fresh node process that requires the bundle and checks it exports `handler`. */
function coldImportMs(file: string): number {
  const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});if(typeof m.handler!=='function')throw new Error('no handler');process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    times.push(Number(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, AWS_REGION: 'eu-west-1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const baselineDir = path.join(out, 'baseline-src');
  mkdirSync(baselineDir, { recursive: true });
  const baselineEntry = path.join(baselineDir, 'handler.ts');
  writeFileSync(baselineEntry, 'export const handler = async (): Promise<string> => "ok";\n');
  const baselineFile = await bundle('baseline', baselineEntry);
  const baseline = { bytes: statSync(baselineFile).size, coldImportMs: coldImportMs(baselineFile) };

  const functions = [];
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
    const file = await bundle(name, path.join(PROJECT_ROOT, entry));
    const bytes = statSync(file).size;
    const ms = coldImportMs(file);
    functions.push({
      name, entry, bytes, kib: Math.round(bytes / 102.4) / 10, coldImportMs: Math.round(ms * 10) / 10,
      importOverBaselineMs: Math.round((ms - baseline.coldImportMs) * 10) / 10,
      sizeVsBaseline: Math.round((bytes / baseline.bytes) * 10) / 10,
      underOneMiB: bytes < 1024 * 1024, under200ms: ms < 200,
    });
  }
  process.stdout.write(`${JSON.stringify({
    bench: 'bundles', node: process.version, runs, esbuildTarget: BUNDLING.target,
    baseline: { bytes: baseline.bytes, coldImportMs: Math.round(baseline.coldImportMs * 10) / 10 },
    functions,
  }, null, 2)}\n`);
}

void main();
