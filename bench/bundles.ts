/**
 * Bundles every Lambda handler with esbuild exactly as the CDK construct does (infra/pipeline/bundling.ts,
 * plugins included) and prints, as JSON, each bundle's size and its cold import time (a fresh `node`
 * process requiring the bundle: median wall time, fastest wall time and median CPU time over `--runs`
 * rounds that import every bundle once each), against a baseline measured in the same run: an empty
 * handler bundled the same way. Targets from issue 4: under 1 MB and 200 ms each. Each function also
 * lists what its bundle carries most (bytes by npm package or source folder, from esbuild's metafile,
 * which is written beside the bundle as `meta.json` for esbuild's analyzer).
 *
 * Run: npx tsx bench/bundles.ts [--runs 5] [--top 8]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { BUNDLING, bundleHandler, FUNCTION_ENTRIES, PROJECT_ROOT } from '../infra/pipeline/bundling';
import { bytesByOwner } from '../infra/pipeline/bundling-contents';

const option = (name: string, fallback: number): number => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const runs = option('--runs', 5);
const top = option('--top', 8);
const out = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bundles-'));

async function bundle(name: string, entry: string): Promise<{ file: string; metafile: Metafile; metafilePath: string }> {
  const file = path.join(out, name, 'index.js');
  const metafile = await bundleHandler(entry, file);
  const metafilePath = path.join(out, name, 'meta.json');
  writeFileSync(metafilePath, JSON.stringify(metafile));
  return { file, metafile, metafilePath };
}

/** One cold import: a fresh node process requires the bundle and checks it exports `handler`; wall and CPU time of the require. */
function coldImport(file: string): { wallMs: number; cpuMs: number } {
  const script = `const c=process.cpuUsage();const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});const w=Number(process.hrtime.bigint()-t)/1e6;const u=process.cpuUsage(c);if(typeof m.handler!=='function')throw new Error('no handler');process.stdout.write(JSON.stringify({wallMs:w,cpuMs:(u.user+u.system)/1000}))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, AWS_REGION: 'eu-west-1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString()) as { wallMs: number; cpuMs: number };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const tenth = (value: number): number => Math.round(value * 10) / 10;

/**
 * Median cold import of every file, measured in rounds (each round imports every file once), so a
 * busy machine slows every bundle alike instead of whichever ran during the burst. The fastest run is
 * kept too: on a shared machine it is the closest to the import alone.
 */
function coldImports(files: readonly string[]): Array<{ wallMs: number; bestWallMs: number; cpuMs: number }> {
  const samples = files.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let round = 0; round < runs; round += 1) {
    files.forEach((file, index) => {
      const { wallMs, cpuMs } = coldImport(file);
      samples[index]?.wall.push(wallMs);
      samples[index]?.cpu.push(cpuMs);
    });
  }
  return samples.map(({ wall, cpu }) => ({ wallMs: median(wall), bestWallMs: Math.min(...wall), cpuMs: median(cpu) }));
}

async function main(): Promise<void> {
  const baselineDir = path.join(out, 'baseline-src');
  mkdirSync(baselineDir, { recursive: true });
  const baselineEntry = path.join(baselineDir, 'handler.ts');
  writeFileSync(baselineEntry, 'export const handler = async (): Promise<string> => "ok";\n');
  const baselineBundle = await bundle('baseline', baselineEntry);
  const bundles = [];
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) bundles.push({ name, entry, ...(await bundle(name, path.join(PROJECT_ROOT, entry))) });
  const [baselineImport, ...imports] = coldImports([baselineBundle.file, ...bundles.map(({ file }) => file)]);
  if (!baselineImport) throw new Error('no baseline measured');
  const baseline = { bytes: statSync(baselineBundle.file).size, ...baselineImport };

  const functions = bundles.map(({ name, entry, file, metafile, metafilePath }, index) => {
    const bytes = statSync(file).size;
    const { wallMs, bestWallMs, cpuMs } = imports[index] ?? { wallMs: Number.NaN, bestWallMs: Number.NaN, cpuMs: Number.NaN };
    return {
      name, entry, bytes, kib: tenth(bytes / 1024), coldImportMs: tenth(wallMs), coldImportBestMs: tenth(bestWallMs), coldImportCpuMs: tenth(cpuMs),
      importOverBaselineMs: tenth(wallMs - baseline.wallMs),
      sizeVsBaseline: tenth(bytes / baseline.bytes),
      underOneMiB: bytes < 1024 * 1024, under200ms: wallMs < 200,
      largest: bytesByOwner(metafile).slice(0, top).map(({ owner, bytes: ownerBytes }) => ({ owner, kib: tenth(ownerBytes / 1024) })),
      metafile: metafilePath,
    };
  });
  process.stdout.write(`${JSON.stringify({
    bench: 'bundles', node: process.version, runs, esbuildTarget: BUNDLING.target,
    baseline: { bytes: baseline.bytes, coldImportMs: tenth(baseline.wallMs), coldImportBestMs: tenth(baseline.bestWallMs), coldImportCpuMs: tenth(baseline.cpuMs) },
    functions,
  }, null, 2)}\n`);
}

void main();
