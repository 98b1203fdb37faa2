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
  Publish: 'functions/publish/handler.ts',
  Settle: 'functions/settle/handler.ts',
  Trigger: 'functions/trigger/handler.ts',
  Finish: 'functions/finish/handler.ts',
  Reaper: 'functions/reaper/handler.ts',
} as const;
export type FunctionName = keyof typeof FUNCTION_ENTRIES;
