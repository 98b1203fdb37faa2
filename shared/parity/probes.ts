import { EnvironmentError } from '../errors';
import type { ProbeConfig } from './config-schema';

/** What a key probe found. Never holds the key's value or the headers sent. */
export interface ProbeResult {
  readonly key: string;
  readonly url: string;
  /** passed: the HTTP status was expected; failed: the key looks broken or revoked; skipped: staging has no such key. */
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly httpStatus?: number;
}

/**
 * Calls each probe's URL with its header templates filled from staging's value of its key
 * (`${value}`). A status outside `expectStatus` (2xx by default) fails the probe; a URL that cannot
 * be reached, or that does not answer within the timeout, is an {@link EnvironmentError} naming the
 * probe, not a drift. The secret is only ever put in the request.
 */
export async function runProbes(
  probes: readonly ProbeConfig[],
  staging: ReadonlyMap<string, string>,
  fetchImpl: typeof fetch = fetch,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of probes) {
    const value = staging.get(probe.key);
    if (value === undefined) {
      results.push({ key: probe.key, url: probe.url, status: 'skipped' });
      continue;
    }
    const headers = Object.fromEntries(Object.entries(probe.headers).map(([name, template]) => [name, template.replaceAll('${value}', value)]));
    let response: Response;
    try {
      response = await fetchImpl(probe.url, { method: probe.method, headers, signal: AbortSignal.timeout(probe.timeout), redirect: 'manual' });
      await response.body?.cancel();
    } catch (cause) {
      const reason = (cause as Error).name === 'TimeoutError' ? `no answer within ${probe.timeout} ms` : ((cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message);
      throw new EnvironmentError(`key probe for ${probe.key} cannot reach ${probe.url}: ${reason}`, { cause });
    }
    const expected = probe.expectStatus ? probe.expectStatus.includes(response.status) : response.status >= 200 && response.status < 300;
    results.push({ key: probe.key, url: probe.url, status: expected ? 'passed' : 'failed', httpStatus: response.status });
  }
  return results;
}
