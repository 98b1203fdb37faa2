import { build, type Metafile } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleOptions, FUNCTION_ENTRIES, PROJECT_ROOT, type FunctionName } from '../../infra/pipeline/bundling';
import { bytesByOwner, ownerOf, reachableModules } from '../../infra/pipeline/bundling-contents';
import { PHASE_NAMES, type PhaseName } from '../../shared/pipeline/report';

/** The functions whose entry is one phase of the table (LoadMerge finishes the load phase). */
const PHASE_FUNCTIONS: ReadonlyArray<readonly [FunctionName, PhaseName]> = [
  ['Snapshot', 'snapshot'], ['Restore', 'restore'], ['Anonymize', 'anonymize'], ['Verify', 'verify'], ['Promote', 'promote'],
  ['Reconcile', 'reconcile'], ['Converse', 'converse'], ['Load', 'load'], ['LoadMerge', 'load'], ['Publish', 'publish'],
];
const PHASE_MODULES = /^shared\/pipeline\/phases\/([a-z-]+)\.ts$/;

/** The phase each module under shared/pipeline/phases/ belongs to: `load-outcome.ts` is the load phase's. */
function phaseOfModule(module: string): string | undefined {
  const file = PHASE_MODULES.exec(module)?.[1];
  return file === undefined ? undefined : PHASE_NAMES.find((name) => file === name || file.startsWith(`${name}-`)) ?? file;
}

let metafile: Metafile;

// One esbuild run for every entry (as the Lambdas are bundled: same settings, same plugins), nothing written.
beforeAll(async () => {
  const entryPoints = Object.fromEntries([...PHASE_FUNCTIONS.map(([name]) => name), 'Settle' as const].map((name) => [name, path.join(PROJECT_ROOT, FUNCTION_ENTRIES[name])]));
  metafile = (await build({ ...bundleOptions(), entryPoints, outdir: mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bundle-contents-')), write: false })).metafile;
}, 120_000);

describe('what each Lambda bundle imports (esbuild metafile)', () => {
  it.each(PHASE_FUNCTIONS)("the %s function reaches its own phase's modules and no other phase's, nor the whole table", (name, phase) => {
    const reached = reachableModules(metafile, FUNCTION_ENTRIES[name]);

    const phases = new Set(reached.map(phaseOfModule).filter((found) => found !== undefined));
    expect([...phases].filter((found) => found !== phase)).toEqual([]);
    expect(reached).not.toContain('shared/pipeline/phase-table.ts');
  });

  it('the settle function reaches the phase plan and the undo / commit steps only: no phase implementation, none of their dependencies', () => {
    const reached = reachableModules(metafile, FUNCTION_ENTRIES.Settle);

    expect(reached).toContain('shared/pipeline/phase-plan.ts');
    expect(reached).not.toContain('shared/pipeline/phase-table.ts');
    // restore and promote hold the undo / commit steps (errors and outcomes only, no dependency).
    expect(reached.filter((module) => PHASE_MODULES.test(module))).toEqual(['shared/pipeline/phases/promote.ts', 'shared/pipeline/phases/restore.ts']);
    const packages = new Set(reached.filter((module) => module.includes('node_modules/')).map(ownerOf));
    for (const dependency of ['pg', 'undici', 'yaml', 'hdr-histogram-js', '@aws-sdk/client-ssm', '@aws-sdk/client-lambda', '@aws-sdk/client-cloudwatch-logs']) {
      expect(packages).not.toContain(dependency);
    }
  });

  it('gives the converse and load functions only the undici dispatchers they create, not fetch, WebSocket, caches or mocks', () => {
    for (const name of ['Converse', 'Load'] as const) {
      const undici = reachableModules(metafile, FUNCTION_ENTRIES[name]).filter((module) => ownerOf(module) === 'undici');

      expect(undici).toContain('node_modules/undici/lib/dispatcher/agent.js');
      expect(undici).toContain('node_modules/undici/lib/dispatcher/pool.js');
      expect(undici).not.toContain('node_modules/undici/index.js');
      expect(undici.filter((module) => /\/lib\/(mock|cache|interceptor|web\/(websocket|eventsource|cache))\//.test(module))).toEqual([]);
    }
  });

  it('takes the AWS SDK from its ES module builds, so unused commands are left out', () => {
    const sdk = Object.keys(metafile.inputs).filter((module) => module.includes('node_modules/@aws-sdk/client-'));

    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.filter((module) => module.includes('/dist-cjs/'))).toEqual([]);
    const sizes = bytesByOwner(metafile);
    expect(sizes.find((entry) => entry.owner === '@aws-sdk/client-rds')?.bytes).toBeGreaterThan(0);
  });
});
