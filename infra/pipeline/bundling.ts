import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import path from 'node:path';
import { hdrHistogramJsOnly, lambdaCredentialChain, undiciDispatchersOnly, undiciUnusedPartsLeftOut, zodEnglishOnly } from './bundling-plugins';

export { hdrHistogramJsOnly, lambdaCredentialChain, undiciDispatchersOnly, undiciUnusedPartsLeftOut, zodEnglishOnly };

/**
 * How every function is bundled, in one place: the Lambda construct passes these to esbuild through
 * aws-lambda-nodejs, and `bench/bundles.ts` bundles with the same settings to measure size and cold import.
 */
export const BUNDLING = {
  target: 'node22',
  format: 'cjs',
  minify: true,
  /**
   * Class and function names kept through minification: Step Functions tells a retryable error from
   * the Lambda's `errorType` (the error's `name`, `new.target.name` for rehearsal's errors), and the run
   * report, on-call's notification and the exit code name it too. Minified, `ConnectionLostError` was
   * `d`, so no retry policy matched, and every phase's failure read `d: …` with exit code 3.
   */
  keepNames: true,
  sourceMap: true,
  /**
   * ES module builds first: the AWS SDK v3 packages ship both (`module` and `main`), and only their ES
   * builds let esbuild drop the commands, schemas and errors a function never uses (a third to a half
   * of each client: about 300 KB a bundle). esbuild's default for the node platform is `main` first,
   * the CommonJS build, kept whole. A test proves both builds send and parse the same requests.
   */
  mainFields: ['module', 'main'],
  /** pg's optional native binding is never used; everything else, the AWS SDK included, is bundled at its pinned version. */
  externalModules: ['pg-native'],
} as const;

/** The repository root (entries and the lock file are resolved from it). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Every Lambda handler: construct id suffix → entry file. */
export const FUNCTION_ENTRIES = {
  Snapshot: 'functions/snapshot/handler.ts',
  Restore: 'functions/restore/handler.ts',
  Anonymize: 'functions/anonymize/handler.ts',
  Verify: 'functions/verify/handler.ts',
  Promote: 'functions/promote/handler.ts',
  Reconcile: 'functions/reconcile/handler.ts',
  Converse: 'functions/converse/handler.ts',
  Load: 'functions/load/handler.ts',
  LoadWorker: 'functions/load-worker/handler.ts',
  LoadMerge: 'functions/load-merge/handler.ts',
  Publish: 'functions/publish/handler.ts',
  Settle: 'functions/settle/handler.ts',
  Trigger: 'functions/trigger/handler.ts',
  Finish: 'functions/finish/handler.ts',
  Reaper: 'functions/reaper/handler.ts',
} as const;
export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** The esbuild plugins every bundle gets (aws-lambda-nodejs runs the esbuild CLI, which takes none: see rehearsal-function.ts). */
export const BUNDLING_PLUGINS: readonly Plugin[] = [zodEnglishOnly, undiciDispatchersOnly(PROJECT_ROOT), undiciUnusedPartsLeftOut, hdrHistogramJsOnly, lambdaCredentialChain(PROJECT_ROOT)];

/**
 * The esbuild options of every bundle: {@link BUNDLING} plus `plugins` (default {@link BUNDLING_PLUGINS}),
 * with the metafile on. Entry points and output go on top (`bundleHandler`, the bundle contents test).
 */
export function bundleOptions(plugins: readonly Plugin[] = BUNDLING_PLUGINS): BuildOptions & { metafile: true } {
  return {
    bundle: true, platform: 'node', target: BUNDLING.target, format: BUNDLING.format, minify: BUNDLING.minify, keepNames: BUNDLING.keepNames,
    sourcemap: BUNDLING.sourceMap, mainFields: [...BUNDLING.mainFields], external: [...BUNDLING.externalModules],
    plugins: [...plugins], metafile: true, logLevel: 'warning',
    // Paths in the metafile are then relative to the repository root, wherever the bundling runs from.
    absWorkingDir: PROJECT_ROOT,
  };
}

/**
 * Bundles one handler with {@link BUNDLING} and `plugins` into `outfile` (plus its source map) and
 * returns esbuild's metafile (what the bundle holds: see bundling-contents.ts).
 */
export async function bundleHandler(entry: string, outfile: string, plugins: readonly Plugin[] = BUNDLING_PLUGINS): Promise<Metafile> {
  const result = await build({ ...bundleOptions(plugins), entryPoints: [entry], outfile });
  return result.metafile;
}
