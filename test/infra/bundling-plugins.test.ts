import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleOptions, PROJECT_ROOT } from '../../infra/pipeline/bundling';
import { HDR_WASM_LEFT_OUT, UNDICI_FORM_DATA_LEFT_OUT, UNDICI_NON_SIMD_LEFT_OUT } from '../../infra/pipeline/bundling-plugins';
import { encodeHistogram, newLatencyHistogram, recordMs } from '../../shared/load/histograms';

const run = promisify(execFile);
const LATENCIES_MS = [0.4, 1, 2.5, 3, 12, 12, 250, 1800.5];

/** Calls through a bundle built with every bundling plugin: histograms, the credential chain, undici's parser. */
const PROBE = `
import * as hdr from 'hdr-histogram-js';
import { Agent } from 'undici';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { decodeHistogram, encodeHistogram, newLatencyHistogram, recordMs, summarize } from ${JSON.stringify(path.join(PROJECT_ROOT, 'shared/load/histograms'))};
import { exchange } from ${JSON.stringify(path.join(PROJECT_ROOT, 'shared/converse/http-exchange'))};
const failure = (promise) => promise.then(() => 'no error', (error) => error.message);
export const scenarios = {
  histogram: async (values) => {
    const histogram = newLatencyHistogram();
    for (const value of values) recordMs(histogram, value);
    const encoded = encodeHistogram(histogram);
    return { encoded, summary: summarize(decodeHistogram(encoded)) };
  },
  wasm: async () => failure(Promise.resolve().then(() => hdr.build({ useWebAssembly: true }))),
  aws: async (origin) => new SFNClient({ region: 'eu-west-1', endpoint: origin, maxAttempts: 1 }).send(new ListStateMachinesCommand({})).then((out) => out.stateMachines, (error) => error.message),
  http: async (origin) => exchange(new Agent(), { origin, path: '/x', method: 'POST', body: JSON.stringify({ text: 'hi' }) }).then((reply) => reply.statusCode, (error) => error.message),
  formData: async (origin) => exchange(new Agent(), { origin, path: '/x', method: 'POST', body: new FormData() }).then((reply) => reply.statusCode, (error) => error.message),
};
`;

/** Environment of a bundle run as in Lambda: no jest marker, no profile or credentials unless given. */
function lambdaEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

let bundle: string;
let server: http.Server;
let origin: string;
const authorizations: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-plugins-'));
  writeFileSync(path.join(dir, 'probe.ts'), PROBE);
  bundle = path.join(dir, 'out', 'index.js');
  // The handlers' settings and plugins; the probe's packages resolve from the repository as a handler's do.
  await build({ ...bundleOptions(), nodePaths: [path.join(PROJECT_ROOT, 'node_modules')], entryPoints: [path.join(dir, 'probe.ts')], outfile: bundle });
  server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    res.setHeader('content-type', 'application/x-amz-json-1.0');
    res.end('{"stateMachines":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

async function scenario(name: string, arg: unknown, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const script = `require(${JSON.stringify(bundle)}).scenarios[${JSON.stringify(name)}](${JSON.stringify(arg)}).then((r) => process.stdout.write(JSON.stringify(r)))`;
  const { stdout } = await run(process.execPath, ['-e', script], { env: lambdaEnv(env) });
  return JSON.parse(stdout) as unknown;
}

describe('the bundling plugins, through a real bundle', () => {
  it('encodes latency histograms in the bundle exactly as the library does unbundled (JS histograms, node:zlib)', async () => {
    const histogram = newLatencyHistogram();
    for (const value of LATENCIES_MS) recordMs(histogram, value);

    const result = await scenario('histogram', LATENCIES_MS) as { encoded: string; summary: { count: number; max: number } };

    expect(result.encoded).toBe(encodeHistogram(histogram));
    expect(result.summary.count).toBe(LATENCIES_MS.length);
  });

  it("fails loudly, never silently, when WebAssembly histograms are asked for", async () => {
    expect(await scenario('wasm', null)).toBe(HDR_WASM_LEFT_OUT);
  });

  it("signs AWS requests with the function role's credentials from the environment, as in Lambda", async () => {
    authorizations.length = 0;

    const machines = await scenario('aws', origin, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEBUNDLE', AWS_SECRET_ACCESS_KEY: 'secret-example', AWS_SESSION_TOKEN: 'token-example' });

    expect(machines).toEqual([]);
    expect(authorizations).toHaveLength(1);
    expect(authorizations[0]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEBUNDLE\/\d{8}\/eu-west-1\/states\/aws4_request/);
  });

  it('says which credential sources a bundle has when none gives credentials, sending nothing', async () => {
    authorizations.length = 0;

    const message = await scenario('aws', origin);

    expect(message).toBe('Could not load credentials from any providers (a Lambda bundle: environment, container and instance metadata only)');
    expect(authorizations).toEqual([]);
  });

  it("sends rehearsal's requests with undici's SIMD parser, and says why when a machine or a body would need a part left out", async () => {
    expect(await scenario('http', origin)).toBe(200);
    expect(await scenario('http', origin, { UNDICI_NO_WASM_SIMD: '1' })).toBe(UNDICI_NON_SIMD_LEFT_OUT);
    expect(await scenario('formData', origin)).toBe(UNDICI_FORM_DATA_LEFT_OUT);
  });
});
