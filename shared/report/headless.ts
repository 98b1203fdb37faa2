import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where Debian's chromium package puts the browser (`.ci/run` installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags that keep a headless run quiet, offline and reproducible. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** What a headless load of the report saw. */
export interface HeadlessLoad {
  /** Console errors, uncaught exceptions and failed requests. */
  readonly problems: readonly string[];
  /** The page's visible text. */
  readonly text: string;
}

/** True when the browser is installed here. */
export function chromiumAvailable(executable = CHROMIUM_PATH): boolean {
  return existsSync(executable);
}

/**
 * Opens an HTML file in headless Chromium (a fresh profile, deleted after) and returns every console
 * error, page error and failed request, optionally saving a full-page screenshot. playwright-core is a
 * dev dependency: this module is for tests and scripts, never for the Lambdas.
 */
export async function loadInChromium(file: string, options: { screenshot?: string; executable?: string } = {}): Promise<HeadlessLoad> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'rehearsal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executable ?? CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--headless'),
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    return { problems, text: await page.innerText('body') };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
