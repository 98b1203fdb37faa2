/**
 * Saves a screenshot of a run report for the README: `npx tsx bin/report-screenshot.ts
 * [rehearsal-report/report.html] [docs/report.png]`. Needs Debian's chromium at /usr/bin/chromium.
 * Exits 1 when the page logs an error, so a broken report never becomes the picture.
 */
import path from 'node:path';
import { CHROMIUM_PATH, chromiumAvailable, loadInChromium } from '../shared/report/headless';

async function main(): Promise<number> {
  const [input = 'rehearsal-report/report.html', output = 'docs/report.png'] = process.argv.slice(2);
  if (!chromiumAvailable()) {
    process.stderr.write(`report-screenshot: ${CHROMIUM_PATH} is missing; install it with apt-get install -y chromium\n`);
    return 3;
  }
  const load = await loadInChromium(path.resolve(input), { screenshot: path.resolve(output) });
  if (load.problems.length > 0) {
    process.stderr.write(`report-screenshot: ${input} has problems:\n${load.problems.map((problem) => `  ${problem}\n`).join('')}`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ input, output })}\n`);
  return 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`report-screenshot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 3;
});
