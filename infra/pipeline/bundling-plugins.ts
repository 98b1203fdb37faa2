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

/** Thrown by every WebAssembly entry point of hdr-histogram-js in a bundle built with {@link hdrHistogramJsOnly}. */
export const HDR_WASM_LEFT_OUT = 'hdr-histogram-js WebAssembly is left out of rehearsal bundles (rehearsal builds JS histograms only)';

/**
 * Leaves hdr-histogram-js's WebAssembly histograms out of the bundles (its compiled binary, the
 * AssemblyScript loader, and pako, which only inflates that binary here: about 90 KB a bundle that
 * records latencies). rehearsal builds JS histograms only (`useWebAssembly` is never set) and encodes
 * them with node:zlib, which hdr-histogram-js picks first in Node; pako is its browser fallback.
 * The library's `wasm` module is resolved to one exporting the same names, each of which throws
 * {@link HDR_WASM_LEFT_OUT} when called (nothing falls back silently: `useWebAssembly: true` would fail
 * loudly), and pako to node:zlib's deflate / inflate. A test encodes and decodes through a bundle built
 * with it and compares with the unbundled library.
 */
export const hdrHistogramJsOnly: Plugin = {
  name: 'hdr-histogram-js-only',
  setup(esbuild) {
    const fromHdr = (importer: string): boolean => importer.includes(`${NODE_MODULES}hdr-histogram-js${path.sep}`);
    esbuild.onResolve({ filter: /^\.\.?\/wasm(\/index(\.js)?)?$/ }, (args) => (fromHdr(args.importer) ? { path: 'wasm', namespace: 'hdr-histogram-js-only' } : undefined));
    esbuild.onResolve({ filter: /^pako$/ }, (args) => (fromHdr(args.importer) ? { path: 'pako', namespace: 'hdr-histogram-js-only' } : undefined));
    esbuild.onLoad({ filter: /^wasm$/, namespace: 'hdr-histogram-js-only' }, () => ({
      contents: [
        `const leftOut = () => { throw new Error(${JSON.stringify(HDR_WASM_LEFT_OUT)}); };`,
        'exports.webAssemblyAvailable = true;',
        'exports.webAssemblyReady = () => false;',
        'exports.initWebAssembly = async () => leftOut();',
        'exports.initWebAssemblySync = leftOut;',
        'class WasmHistogram { constructor() { leftOut(); } static build() { return leftOut(); } static decode() { return leftOut(); } }',
        'exports.WasmHistogram = WasmHistogram;',
      ].join('\n'),
      loader: 'js',
    }));
    esbuild.onLoad({ filter: /^pako$/, namespace: 'hdr-histogram-js-only' }, () => ({
      contents: "const zlib = require('node:zlib');\nexports.deflate = (data, options) => zlib.deflateSync(data, options);\nexports.inflate = (data) => zlib.inflateSync(data);\n",
      loader: 'js',
    }));
  },
};

/**
 * Gives the AWS SDK clients in a bundle the part of the default credential chain a Lambda can use:
 * environment variables (where Lambda puts the function role's credentials), then the container and
 * instance metadata endpoints, in the default chain's order, memoized and refreshed as the default
 * chain does (its own `remoteProvider` and `memoizeChain` modules). The links a Lambda never has, SSO,
 * shared config and credentials files, `credential_process` and web identity token files, are left out,
 * and with them the STS / SSO clients they create (about 90 KB a bundle). This plugin resolves
 * `@aws-sdk/credential-provider-node`, imported by each client's runtime config, to that chain.
 * A test signs a request through a bundled client with environment credentials.
 */
export function lambdaCredentialChain(projectRoot: string): Plugin {
  return {
    name: 'lambda-credential-chain',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => {
        const root = path.dirname(createRequire(path.join(projectRoot, 'package.json')).resolve('@aws-sdk/credential-provider-node/package.json'));
        return { path: root, namespace: 'lambda-credential-chain' };
      });
      esbuild.onLoad({ filter: /.*/, namespace: 'lambda-credential-chain' }, (args) => ({
        contents: [
          "import { fromEnv } from '@aws-sdk/credential-provider-env';",
          "import { CredentialsProviderError } from '@smithy/core/config';",
          `import { remoteProvider } from ${JSON.stringify(path.join(args.path, 'dist-es', 'remoteProvider.js'))};`,
          `import { memoizeChain } from ${JSON.stringify(path.join(args.path, 'dist-es', 'runtime', 'memoize-chain.js'))};`,
          'export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;',
          'export const credentialsTreatedAsExpired = (credentials) => credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;',
          'export const defaultProvider = (init = {}) => memoizeChain([',
          '  async () => fromEnv(init)(),',
          '  async () => (await remoteProvider(init))(),',
          "  async () => { throw new CredentialsProviderError('Could not load credentials from any providers (a Lambda bundle: environment, container and instance metadata only)', { tryNextLink: false, logger: init.logger }); },",
          '], credentialsTreatedAsExpired);',
        ].join('\n'),
        loader: 'js',
        resolveDir: args.path,
      }));
    },
  };
}

/** Thrown, when required, by the module standing in for undici's non-SIMD HTTP parser in a bundle built with {@link undiciUnusedPartsLeftOut}. */
export const UNDICI_NON_SIMD_LEFT_OUT = "undici's non-SIMD llhttp parser is left out of rehearsal bundles: Lambda's Node.js 22 compiles the WebAssembly SIMD one (unset UNDICI_NO_WASM_SIMD)";

/** Thrown by undici in a bundle built with {@link undiciUnusedPartsLeftOut} when a request body is FormData. */
export const UNDICI_FORM_DATA_LEFT_OUT = "FormData request bodies are left out of rehearsal bundles (undici's fetch body support): send a string or a Buffer";

/** The undici modules its dispatchers load only in cases rehearsal never meets, by file, with what their stand-in says. */
const UNDICI_UNUSED: ReadonlyArray<{ readonly file: RegExp; readonly contents: string }> = [
  { file: /[\\/]llhttp[\\/]llhttp-wasm\.js$/, contents: `throw new Error(${JSON.stringify(UNDICI_NON_SIMD_LEFT_OUT)});\n` },
  // A body stream that fails at once: undici then fails that one request with this error (a throw here would crash the process).
  {
    file: /[\\/]web[\\/]fetch[\\/]body\.js$/,
    contents: `const { Readable } = require('node:stream');\nexports.extractBody = () => [{ stream: new Readable({ read() { this.destroy(new Error(${JSON.stringify(UNDICI_FORM_DATA_LEFT_OUT)})); } }), length: null, source: null }, 'multipart/form-data'];\n`,
  },
];

/**
 * Leaves out two parts of undici that its HTTP/1 and HTTP/2 clients load only in cases rehearsal
 * never meets (about 115 KB a bundle that sends HTTP):
 * - the non-SIMD copy of its WebAssembly HTTP parser (llhttp). undici compiles the SIMD build first and
 *   loads the other only if that fails (a CPU or Node.js without WebAssembly SIMD, old Node.js on
 *   ppc64) or when UNDICI_NO_WASM_SIMD=1; Lambda's nodejs22.x on arm64 and x86_64 always compiles it.
 *   Its stand-in throws {@link UNDICI_NON_SIMD_LEFT_OUT} when required.
 * - fetch's body module (with WebIDL, Blob and MIME helpers), required only to encode a FormData
 *   request body; rehearsal sends strings and Buffers. Its stand-in's `extractBody` gives a body
 *   stream that fails that request with {@link UNDICI_FORM_DATA_LEFT_OUT}.
 * Nothing falls back silently: a machine or a body that needed them fails on that request, saying why.
 * A test sends requests through a bundle built with it, and shows both messages.
 */
export const undiciUnusedPartsLeftOut: Plugin = {
  name: 'undici-unused-parts-left-out',
  setup(esbuild) {
    esbuild.onResolve({ filter: /[\\/](llhttp-wasm|body)\.js$/ }, (args) => {
      if (!args.importer.includes(`${NODE_MODULES}undici${path.sep}`)) return undefined;
      const index = UNDICI_UNUSED.findIndex(({ file }) => file.test(args.path));
      return index < 0 ? undefined : { path: String(index), namespace: 'undici-unused-parts-left-out' };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'undici-unused-parts-left-out' }, (args) => ({
      contents: UNDICI_UNUSED[Number(args.path)]?.contents ?? '',
      loader: 'js',
    }));
  },
};
