import { build, type Plugin } from 'esbuild';
import path from 'node:path';

/**
 * How every function is bundled, in one place: the Lambda construct passes these to esbuild through
 * aws-lambda-nodejs, and `bench/bundles.ts` bundles with the same settings to measure size and cold import.
 */
export const BUNDLING = {
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourceMap: true,
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

/**
 * Keeps zod's error messages in English and drops its ~40 other locales (about 260 KB of every bundle).
 * zod registers English itself (`classic/schemas.js` imports `locales/en.js`); the rest is reachable
 * only through the `z.locales` / `z.core.locales` namespaces, which bundlers keep whole. This plugin
 * resolves zod's `locales/index.js` to a module exporting `en` alone. Nothing in rehearsal calls
 * `z.config(z.locales.xx())`; a test compares messages from bundles built with and without it.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(esbuild) {
    esbuild.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)) return undefined;
      return { path: path.resolve(path.dirname(args.importer), args.path), namespace: 'zod-english-only' };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};\n`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/** The esbuild plugins every bundle gets (aws-lambda-nodejs runs the esbuild CLI, which takes none: see rehearsal-function.ts). */
export const BUNDLING_PLUGINS: readonly Plugin[] = [zodEnglishOnly];

/** Bundles one handler with {@link BUNDLING} and {@link BUNDLING_PLUGINS} into `outfile` (plus its source map). */
export async function bundleHandler(entry: string, outfile: string, plugins: readonly Plugin[] = BUNDLING_PLUGINS): Promise<void> {
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', target: BUNDLING.target, format: BUNDLING.format,
    minify: BUNDLING.minify, sourcemap: BUNDLING.sourceMap, external: [...BUNDLING.externalModules], plugins: [...plugins], logLevel: 'warning',
  });
}
