import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleHandler, bundleOptions, PROJECT_ROOT } from '../../infra/pipeline/bundling';
import { ownerOf } from '../../infra/pipeline/bundling-contents';

const run = promisify(execFile);

/**
 * The bundle runs as in Lambda: without jest's JEST_WORKER_ID, which makes undici load its non-SIMD
 * parser eagerly (left out of the bundles by undiciSimdParserOnly).
 */
function lambdaLikeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { JEST_WORKER_ID: _jest, ...env } = process.env;
  return { ...env, ...extra };
}

/**
 * An entry that sends requests the way rehearsal does (its own `exchange` over undici's low-level
 * dispatch) through an Agent and a Pool to a local server, and to a closed port, and prints what came back.
 */
const PROBE = `
import http from 'node:http';
import { Agent, Pool } from 'undici';
import { exchange } from ${JSON.stringify(path.join(PROJECT_ROOT, 'shared/converse/http-exchange'))};
export const handler = async () => {
  const server = http.createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end(req.method + ' ' + req.url); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const origin = 'http://127.0.0.1:' + server.address().port;
  const agent = new Agent({ connections: 2, pipelining: 1, keepAliveTimeout: 1000 });
  const pool = new Pool(origin, { connections: 2, pipelining: 1, keepAliveTimeout: 1000 });
  const viaAgent = await exchange(agent, { origin, path: '/agent', method: 'GET' });
  const viaPool = await exchange(pool, { path: '/pool?x=1', method: 'POST', body: 'hi' });
  await Promise.all([agent.close(), pool.close()]);
  await new Promise((resolve) => server.close(resolve));
  const refused = await exchange(new Agent(), { origin, path: '/', method: 'GET' }).then(() => 'connected', (error) => error.code);
  return [viaAgent.statusCode, viaAgent.contentType, viaAgent.body.toString(), viaPool.statusCode, viaPool.body.toString(), refused];
};
`;

describe('undici dispatchers only (the bundling plugin)', () => {
  it("bundles rehearsal's Agent and Pool requests so that they work, with no other part of undici", async () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-undici-'));
    const entry = path.join(dir, 'probe.ts');
    writeFileSync(entry, PROBE);

    // Act
    const metafile = await bundleHandler(entry, path.join(dir, 'out', 'index.js'));
    const { stdout } = await run(process.execPath, ['-e', `require(${JSON.stringify(path.join(dir, 'out', 'index.js'))}).handler().then((r) => process.stdout.write(JSON.stringify(r)))`], { env: lambdaLikeEnv() });

    // Assert
    expect(JSON.parse(stdout)).toEqual([200, 'text/plain', 'GET /agent', 200, 'POST /pool?x=1', 'ECONNREFUSED']);
    const undici = Object.keys(metafile.inputs).filter((module) => ownerOf(module) === 'undici');
    expect(undici).toContain('node_modules/undici/lib/dispatcher/agent.js');
    expect(undici.filter((module) => module.endsWith('/undici/index.js') || module.includes('/lib/web/fetch/index.js') || module.includes('/lib/mock/'))).toEqual([]);
  });

  it('fails the build, naming the import, when rehearsal imports a part of undici the plugin leaves out', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-undici-'));
    const entry = path.join(dir, 'fetch.ts');
    writeFileSync(entry, "import { fetch } from 'undici';\nexport const handler = () => fetch;\n");

    // Act
    const error = await build({ ...bundleOptions(), logLevel: 'silent', entryPoints: [entry], outfile: path.join(dir, 'out.js'), write: false }).catch((caught: unknown) => caught);

    // Assert
    expect(String(error)).toMatch(/No matching export in "undici-dispatchers-only:[^"]*" for import "fetch"/);
  });
});
