import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleHandler, PROJECT_ROOT, zodEnglishOnly } from '../../infra/pipeline/bundling';

const run = promisify(execFile);

/** An entry that parses bad input through rehearsal's real schemas and prints every message zod gives. */
const PROBE = `
import { configSchema } from ${JSON.stringify(path.join(PROJECT_ROOT, 'shared/config/schema'))};
import { loadWorkerEventSchema } from ${JSON.stringify(path.join(PROJECT_ROOT, 'shared/load/worker-event'))};
import { issuesToProblems } from ${JSON.stringify(path.join(PROJECT_ROOT, 'shared/config/problems'))};
const bad = [
  configSchema.safeParse({ bot: 7, databases: {}, anonymize: { tables: [] }, surprise: true, load: { phases: [], workers: 99, target: 'not a url' } }),
  loadWorkerEventSchema.safeParse({ runId: '', target: 'ftp:/x', slice: { phases: [{ durationMs: -1, arrivalRate: 'fast' }], mode: 'other', workerIndex: 1.5 }, convos: {} }),
];
export const handler = async () => bad.flatMap((result) => result.success ? [] : issuesToProblems(result.error.issues, {})).map((p) => p.path + ': ' + p.message);
`;

async function messagesOf(bundle: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['-e', `require(${JSON.stringify(bundle)}).handler().then((m) => process.stdout.write(JSON.stringify(m)))`]);
  return JSON.parse(stdout) as string[];
}

describe('zod in English only (the bundling plugin)', () => {
  it('gives the same validation messages as a bundle with every locale, and leaves the other locales out', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-zod-english-'));
    const entry = path.join(dir, 'probe.ts');
    writeFileSync(entry, PROBE);

    // Act
    await bundleHandler(entry, path.join(dir, 'all', 'index.js'), []);
    await bundleHandler(entry, path.join(dir, 'english', 'index.js'), [zodEnglishOnly]);
    const all = await messagesOf(path.join(dir, 'all', 'index.js'));
    const english = await messagesOf(path.join(dir, 'english', 'index.js'));

    // Assert
    expect(english).toEqual(all);
    expect(english.length).toBeGreaterThan(8);
    expect(english).toEqual(expect.arrayContaining([expect.stringMatching(/^bot: Invalid input: expected string, received number/)]));
    const allText = readFileSync(path.join(dir, 'all', 'index.js'), 'utf8');
    const englishText = readFileSync(path.join(dir, 'english', 'index.js'), 'utf8');
    expect(allText).toContain('Eingabe');
    expect(englishText).not.toContain('Eingabe');
    expect(allText.length - englishText.length).toBeGreaterThan(200_000);
  });
});
