/**
 * Not imported: run by the Lambda construct's afterBundling hook as
 * `node <root>/node_modules/tsx/dist/cli.mjs <root>/infra/pipeline/rebundle.ts <entry> <outfile>`.
 * aws-lambda-nodejs bundles with the esbuild CLI, which cannot load plugins; this rebuilds the same
 * handler in place with the same settings plus {@link BUNDLING_PLUGINS}.
 */
import { bundleHandler } from './bundling';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write('usage: rebundle.ts <entry.ts> <outfile.js>\n');
  process.exit(2);
}
bundleHandler(entry, outfile).catch((error: unknown) => {
  process.stderr.write(`rebundle of ${entry} failed: ${String(error)}\n`);
  process.exit(1);
});
