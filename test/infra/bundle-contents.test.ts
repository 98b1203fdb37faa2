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

const ALL_FUNCTIONS = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
/** The functions that create rehearsal's database clients (RDS, Route 53, Secrets Manager): the database phases, settle and the reaper. */
const DATABASE_FUNCTIONS: readonly FunctionName[] = ['Snapshot', 'Restore', 'Anonymize', 'Verify', 'Promote', 'Settle', 'Reaper'];
/** The functions that read YAML at run time: the conversation files of converse and load. */
const YAML_FUNCTIONS: readonly FunctionName[] = ['Converse', 'Load'];

let metafile: Metafile;

// One esbuild run for every entry (as the Lambdas are bundled: same settings, same plugins), nothing written.
beforeAll(async () => {
  const entryPoints = Object.fromEntries(ALL_FUNCTIONS.map((name) => [name, path.join(PROJECT_ROOT, FUNCTION_ENTRIES[name])]));
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

  it('gives the YAML parser only to the functions that read conversation files: the rules and config arrive parsed (JSON)', () => {
    const withYaml = ALL_FUNCTIONS.filter((name) => reachableModules(metafile, FUNCTION_ENTRIES[name]).some((module) => ownerOf(module) === 'yaml'));

    expect(withYaml).toEqual(YAML_FUNCTIONS);
  });

  it('creates the database clients and provider only in the functions that use them', () => {
    const reaching = (module: string) => ALL_FUNCTIONS.filter((name) => reachableModules(metafile, FUNCTION_ENTRIES[name]).includes(module));

    expect(reaching('shared/aws/clients.ts')).toEqual(DATABASE_FUNCTIONS);
    expect(reaching('shared/aws/database-provider.ts')).toEqual(DATABASE_FUNCTIONS);
    expect(ALL_FUNCTIONS.filter((name) => reachableModules(metafile, FUNCTION_ENTRIES[name]).some((module) => ownerOf(module) === '@aws-sdk/client-rds'))).toEqual(DATABASE_FUNCTIONS);
  });

  it('leaves out what a Lambda never runs: WebAssembly histograms and pako, undici\'s non-SIMD parser and FormData bodies, credential sources other than environment and metadata', () => {
    const left = ['pako', '@assemblyscript/loader', '@aws-sdk/nested-clients', '@aws-sdk/credential-provider-sso', '@aws-sdk/credential-provider-ini', '@aws-sdk/credential-provider-process', '@aws-sdk/credential-provider-web-identity', '@aws-sdk/credential-provider-login', '@aws-sdk/token-providers'];
    const inputs = Object.keys(metafile.inputs);

    // Files from the packages themselves (a plugin's stand-in module counts for the package it replaces: `hdr-histogram-js-only:pako`).
    expect([...new Set(inputs.filter((module) => module.includes('node_modules/')).map(ownerOf))].filter((owner) => left.includes(owner))).toEqual([]);
    expect(inputs.filter((module) => ['hdr-histogram-js/dist/wasm/generated-wasm.js', 'undici/lib/llhttp/llhttp-wasm.js', 'undici/lib/web/fetch/body.js'].some((file) => module.endsWith(`node_modules/${file}`)))).toEqual([]);
    expect(inputs.some((module) => module.endsWith('undici/lib/llhttp/llhttp_simd-wasm.js'))).toBe(true);
    expect(inputs.some((module) => ownerOf(module) === '@aws-sdk/credential-provider-env')).toBe(true);
  });
});
