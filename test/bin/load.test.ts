import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../bin/cli/main';
import { captureIO } from '../support/cli';
import { botReplying, closedPortUrl, sendJson, startServer, type TestServer } from '../shared/converse/support/bot-server';
import { writeTree } from '../shared/converse/support/files';

interface JsonReport {
  requests: number; errors: number; throughput: number;
  latency: Record<string, number>; serviceTime: Record<string, number>;
  conversations: Array<{ name: string; turns: Array<{ turn: number; requests: number }> }>;
}

describe('rehearsal load', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('raw mode sends R requests per second for D and writes the promised JSON', async () => {
    server = await startServer((_request, response) => sendJson(response, { ok: true }));
    const dir = await writeTree({});
    const cli = captureIO(dir);
    const code = await main(['load', '--url', server.url, '--rate', '20', '--duration', '1s', '--connections', '2', '--method', 'post', '--body', '{"a":1}', '--header', 'X-Test: yes', '--json', 'load.json', '--max-lag', '2s'], cli.io);
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, 'load.json'), 'utf8')) as JsonReport;
    expect(report).toMatchObject({ requests: 20, errors: 0 });
    expect(report.throughput).toBeGreaterThan(0);
    for (const figures of [report.latency, report.serviceTime]) expect(Object.keys(figures)).toEqual(expect.arrayContaining(['p50', 'p90', 'p95', 'p99', 'max']));
    expect(server.received[0]).toMatchObject({ method: 'POST', body: { a: 1 }, headers: expect.objectContaining({ 'x-test': 'yes' }) });
    expect(cli.stdout()).toContain('PASSED');
  });

  it('conversation mode exits 1 when a threshold is breached and reports per-turn figures', async () => {
    server = await startServer(botReplying(() => [{ text: 'hello' }]));
    const dir = await writeTree({ 'hello.yaml': ['name: hello', 'turns:', '  - user: hi', '  - user: bye', ''].join('\n') });
    const cli = captureIO(dir);
    const code = await main(['load', '--target', server.url, '--convos', '*.yaml', '--rate', '10', '--duration', '500ms', '--threshold', 'p50 < 0ms', '--json', 'out.json'], cli.io);
    expect(code).toBe(1);
    expect(cli.stdout()).toMatch(/FAIL p50 < 0ms \[overall\]: [\d.]+ ms/);
    expect(cli.stdout()).toMatch(/ {2}hello: 10 turns, errors 0, p95 [\d.]+ ms\n {4}turn 1: p50 [\d.]+ ms .*errors 0\/5\n {4}turn 2: /);
    const report = JSON.parse(await readFile(path.join(dir, 'out.json'), 'utf8')) as JsonReport;
    expect(report.conversations).toEqual([expect.objectContaining({ name: 'hello', turns: [expect.objectContaining({ turn: 1, requests: 5 }), expect.objectContaining({ turn: 2, requests: 5 })] })]);
  });

  it('exits 3 when the target is unreachable and 2 on bad usage', async () => {
    server = await startServer(botReplying(() => []));
    const dir = await writeTree({});
    const unreachable = captureIO(dir);
    expect(await main(['load', '--url', await closedPortUrl(), '--rate', '10', '--duration', '1s'], unreachable.io)).toBe(3);
    expect(unreachable.stderr()).toMatch(/is unreachable \(ECONNREFUSED\); no load was sent/);
    const bad = captureIO(dir);
    expect(await main(['load', '--url', server.url, '--rate', 'fast', '--duration', '1s'], bad.io)).toBe(2);
    expect(bad.stderr()).toContain('--rate must be a positive number or "max", got "fast"');
    expect(await main(['load', '--url', server.url, '--rate', '1', '--duration', '1s', '--threshold', 'p95 > 1s'], captureIO(dir).io)).toBe(2);
  });
});
