import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../bin/cli/main';
import { captureIO } from '../support/cli';
import { botReplying, closedPortUrl, startServer, type TestServer } from '../shared/converse/support/bot-server';
import { writeTree } from '../shared/converse/support/files';

const files = {
  'convos/hello.yaml': ['name: hello', 'turns:', '  - user: hi', '    expect: [{ contains: Hello }]', ''].join('\n'),
  'convos/refund.convo.txt': ['refund', '#me', 'refund please', '#bot', 'TEXT_CONTAINS_ANY refunded|processed'].join('\n'),
};

describe('rehearsal converse', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(botReplying(() => [{ text: 'Hello, how can I help?' }]));
  });
  afterEach(async () => server.close());

  it('exits 1 when a conversation fails, printing expected and actual, and writes --json and --junit', async () => {
    const dir = await writeTree(files);
    const cli = captureIO(dir);
    const code = await main(['converse', '--target', server.url, '--convos', 'convos/*.yaml', '--convos', 'convos/*.convo.txt', '--json', 'out/c.json', '--junit', 'out/c.xml'], cli.io);
    expect(code).toBe(1);
    expect(cli.stdout()).toContain('ok   hello (1 turns');
    expect(cli.stdout()).toContain('FAIL refund (1 turns');
    expect(cli.stdout()).toContain('     turn 1 at convos/refund.convo.txt:2: contains\n       expected: any of ["refunded","processed"]\n       actual:   Hello, how can I help?');
    const json = JSON.parse(await readFile(path.join(dir, 'out/c.json'), 'utf8')) as { passed: number; failed: number; conversations: Array<{ name: string; status: string }> };
    expect(json).toMatchObject({ passed: 1, failed: 1, conversations: [{ name: 'hello', status: 'passed' }, { name: 'refund', status: 'failed' }] });
    expect(await readFile(path.join(dir, 'out/c.xml'), 'utf8')).toContain('tests="2" failures="1"');
  });

  it('exits 0 when every conversation passes', async () => {
    const dir = await writeTree(files);
    const cli = captureIO(dir);
    expect(await main(['converse', '--target', server.url, '--convos', 'convos/hello.yaml'], cli.io)).toBe(0);
  });

  it('exits 2 for a bad convo file, with file and line, and sends nothing', async () => {
    const dir = await writeTree({ 'bad.yaml': ['name: bad', 'turns:', '  - user: hi', '    expect: [{ containz: x }]', ''].join('\n') });
    const cli = captureIO(dir);
    expect(await main(['converse', '--target', server.url, '--convos', 'bad.yaml'], cli.io)).toBe(2);
    expect(cli.stderr()).toMatch(/bad\.yaml:4: turns\[0\]\.expect\[0\]: unknown asserter "containz"/);
    expect(server.received).toHaveLength(0);
  });

  it('exits 3 with a clear message when the bot is unreachable, and 2 without --convos', async () => {
    const dir = await writeTree(files);
    const cli = captureIO(dir);
    expect(await main(['converse', '--target', await closedPortUrl(), '--convos', 'convos/hello.yaml'], cli.io)).toBe(3);
    expect(cli.stderr()).toMatch(/EnvironmentError: the bot at http:\/\/127\.0\.0\.1:\d+\/chat is unreachable/);
    expect(await main(['converse', '--target', server.url], captureIO(dir).io)).toBe(2);
  });
});
