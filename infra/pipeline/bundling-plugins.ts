import type { Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

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
      if (!args.importer.includes(`${NODE_MODULES}zod${path.sep}`)) return undefined;
      return { path: path.resolve(path.dirname(args.importer), args.path), namespace: 'zod-english-only' };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};\n`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/** The undici classes rehearsal's own code creates (`new Agent(...)`, `new Pool(...)`), by their module in undici. */
export const UNDICI_DISPATCHERS = { Agent: 'lib/dispatcher/agent.js', Pool: 'lib/dispatcher/pool.js' } as const;

/**
 * Bundles only the undici dispatchers rehearsal uses (about 320 KB less in the converse and load bundles).
 * undici ships CommonJS only, and its `index.js` requires everything at load (fetch, WebSocket, caches,
 * mocks, proxies, interceptors), so esbuild cannot drop any of it. rehearsal creates `Agent` and `Pool`
 * and calls only their own `dispatch` / `close`; the rest of `undici` is imported as types. This plugin
 * resolves a bare `undici` imported from rehearsal's own code (never from a package) to a module
 * exporting {@link UNDICI_DISPATCHERS} alone, from undici's own files at its pinned version. It is an
 * ES module, so importing any other value from `undici` fails the build ("No matching export"),
 * never the Lambda. What `index.js` adds to every dispatcher (`request`, `stream`, ... on
 * `Dispatcher.prototype`) is left out: rehearsal never calls them. A test runs a bundled Agent and Pool
 * against a local server.
 */
export function undiciDispatchersOnly(projectRoot: string): Plugin {
  return {
    name: 'undici-dispatchers-only',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^undici$/ }, (args) => {
        if (args.importer.includes(NODE_MODULES)) return undefined;
        const root = path.dirname(createRequire(path.join(projectRoot, 'package.json')).resolve('undici/package.json'));
        return { path: root, namespace: 'undici-dispatchers-only' };
      });
      esbuild.onLoad({ filter: /.*/, namespace: 'undici-dispatchers-only' }, (args) => ({
        contents: Object.entries(UNDICI_DISPATCHERS).map(([name, file]) => `export { default as ${name} } from ${JSON.stringify(path.join(args.path, file))};\n`).join(''),
        loader: 'js',
        resolveDir: args.path,
      }));
    },
  };
}
