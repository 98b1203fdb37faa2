/**
 * Runs the demo at --scale 1 and 10 (or the scales given) and prints each phase's time as JSON, so
 * later work can see where time goes. Ratios against scale 1 (the baseline, measured in the same run)
 * say how each phase grows with the data; absolute seconds on a noisy machine say little.
 *
 *   npx tsx bench/demo.ts [--scales 1,10] [--out bench/demo.json]
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from '../examples/demo/run-demo';
import { silentLog } from '../shared/pipeline/log';

interface ScaleResult {
  scale: number;
  status: string;
  totalMs: number;
  pipelineMs: number;
  setupMs: Record<string, number>;
  phases: Record<string, { status: string; durationMs: number }>;
}

async function measure(scale: number): Promise<ScaleResult> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-bench-demo-'));
  const started = Date.now();
  const { report, setupMs } = await runDemo({ scale, outDir, log: silentLog, env: process.env });
  return {
    scale,
    status: report.status,
    totalMs: Date.now() - started,
    pipelineMs: report.durationMs,
    setupMs,
    phases: Object.fromEntries(report.phases.map((phase) => [phase.name, { status: phase.status, durationMs: phase.durationMs }])),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { scales: { type: 'string', default: '1,10' }, out: { type: 'string' } } });
  const scales = values.scales.split(',').map(Number);
  const results: ScaleResult[] = [];
  for (const scale of scales) {
    process.stderr.write(`demo at scale ${scale} ...\n`);
    results.push(await measure(scale));
  }
  const [baseline] = results;
  const ratios = baseline
    ? results.slice(1).map((result) => ({
        scale: result.scale,
        dataRatio: result.scale / baseline.scale,
        pipeline: round(result.pipelineMs / Math.max(1, baseline.pipelineMs)),
        phases: Object.fromEntries(Object.entries(result.phases).map(([name, phase]) => [name, round(phase.durationMs / Math.max(1, baseline.phases[name]?.durationMs ?? 1))])),
      }))
    : [];
  const output = {
    benchmark: 'demo',
    machine: { cpus: os.cpus().length, node: process.version },
    target: 'default demo (scale 1) under 60 s end to end on 2 cores',
    defaultDemoUnderOneMinute: baseline ? baseline.scale === 1 && baseline.totalMs < 60_000 : false,
    results,
    ratiosToFirstScale: ratios,
  };
  const json = JSON.stringify(output, null, 2);
  process.stdout.write(`${json}\n`);
  if (values.out) await writeFile(values.out, `${json}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

void main();
