import path from 'node:path';
import { parseCsv } from '../../../shared/converse/csv';
import { expandGlobs, globToRegExp } from '../../../shared/converse/glob';
import { toJUnitXml } from '../../../shared/converse/junit';
import { loadConnector } from '../../../shared/converse/load-convos';
import { ConfigError } from '../../../shared/errors';
import { writeTree } from './support/files';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, keyed by the header', () => {
    expect(parseCsv('name,note\r\n"Ada, L.","said ""hi""\nthen left"\nBob,\n')).toEqual([
      { name: 'Ada, L.', note: 'said "hi"\nthen left' },
      { name: 'Bob', note: '' },
    ]);
  });

  it('names the line of a row with the wrong number of fields', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow('line 3: expected 2 fields like the header, found 1');
  });
});

describe('expandGlobs', () => {
  it('matches *, ** and {a,b}, reports patterns that match nothing, and skips hidden folders', async () => {
    const dir = await writeTree({ 'c/a.yaml': '', 'c/deep/b.yml': '', 'c/x.convo.txt': '', 'c/.hidden/h.yaml': '', 'c/readme.md': '' });
    const { files, unmatched } = await expandGlobs(['c/**/*.{yaml,yml}', 'c/*.convo.txt', 'none/*.yaml', 'c/a.yaml'], dir);
    expect(files.map((file) => path.relative(dir, file))).toEqual(['c/a.yaml', 'c/deep/b.yml', 'c/x.convo.txt']);
    expect(unmatched).toEqual(['none/*.yaml']);
    expect(globToRegExp('/a/**/b?.txt').test('/a/b1.txt')).toBe(true);
    expect(globToRegExp('/a/*.txt').test('/a/d/b.txt')).toBe(false);
  });
});

describe('toJUnitXml', () => {
  it('escapes names and messages and lists the transcript in the failure', () => {
    const xml = toJUnitXml({
      target: 'http://127.0.0.1:1/chat', passed: 0, failed: 1, durationMs: 1500,
      turnLatency: { count: 1, min: 1, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1 },
      conversations: [{
        name: 'a <b> & "c"', file: 'x.yaml', tags: [], status: 'failed', durationMs: 1500,
        turns: [{ turn: 1, user: 'hi', bot: 'yo\u0001', messages: ['yo'], buttons: [], latencyMs: 12, status: 'failed' }],
        failure: { turn: 1, assertion: 'equals', expected: 'hello', actual: 'yo', where: { file: 'x.yaml', line: 4 } },
      }],
    });
    expect(xml).toContain('<testcase classname="x.yaml" name="a &lt;b&gt; &amp; &quot;c&quot;" time="1.500">');
    expect(xml).toContain('turn 1: equals: expected hello, got yo at x.yaml:4\n\n#1 me: hi\n#1 bot (12 ms, failed): yo</failure>');
  });
});

describe('loadConnector', () => {
  it('reads a connector file with env interpolation and defaults', async () => {
    const dir = await writeTree({ 'c.yaml': 'url: "{{target}}/v2"\nheaders: { Authorization: "Bearer ${env:BOT_TOKEN}" }\n' });
    process.env.BOT_TOKEN = 'test-token';
    const connector = await loadConnector(path.join(dir, 'c.yaml'));
    delete process.env.BOT_TOKEN;
    expect(connector).toMatchObject({ url: '{{target}}/v2', method: 'POST', headers: { Authorization: 'Bearer test-token' }, reply: { stream: 'auto' } });
  });

  it('rejects a JSONPath that does not compile, naming the field', async () => {
    const dir = await writeTree({ 'c.yaml': 'reply:\n  messages: ["messages[*].text"]\n' });
    const error = await loadConnector(path.join(dir, 'c.yaml')).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.objectContaining({ path: 'reply.messages[0]', message: expect.stringContaining('must start with $') })]);
  });
});
