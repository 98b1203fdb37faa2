import type { DriftEntry } from './compare';
import type { ParityResult } from './check';

/** `--json` output: `{ drift: [{ key, kind }] }`, plus what was applied, blocked and probed, and warnings. */
export function parityJson(result: ParityResult): string {
  return `${JSON.stringify({
    drift: result.drift.map(({ key, kind }) => ({ key, kind })),
    probes: result.probes.map(({ key, status, httpStatus }) => ({ key, status, ...(httpStatus === undefined ? {} : { httpStatus }) })),
    applied: result.applied,
    blocked: result.blocked,
    warnings: result.warnings,
  }, null, 2)}\n`;
}

/** A table for a person: one line per drifting key, values only for copy and override keys. */
export function parityText(result: ParityResult): string {
  const lines = [`parity: production (${result.production}) vs staging (${result.staging}), ${result.keysCompared} keys`];
  const width = Math.max(12, ...result.drift.map((entry) => entry.key.length));
  for (const entry of result.drift) lines.push(`  ${entry.kind.padEnd(12)} ${entry.key.padEnd(width)}  ${describeEntry(entry)}`);
  for (const change of result.applied) lines.push(`  applied      ${change.key.padEnd(width)}  ${change.action}`);
  for (const change of result.blocked) lines.push(`  blocked      ${change.key.padEnd(width)}  ${change.reason}`);
  for (const probe of result.probes) {
    lines.push(`  probe ${probe.status.padEnd(6)} ${probe.key.padEnd(width)}  ${probe.url}${probe.httpStatus === undefined ? '' : ` answered ${probe.httpStatus}`}`);
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  const { missing, differs, leakedSecret, extra } = result.counts;
  const failedProbes = result.probes.filter((probe) => probe.status === 'failed').length;
  lines.push(result.passed
    ? 'parity: PASSED (no drift, no leaked secret)'
    : `parity: FAILED (${missing} missing, ${differs} differs, ${leakedSecret} leaked secret, ${extra} extra, ${failedProbes} failed probe)`);
  return `${lines.join('\n')}\n`;
}

/** One entry's explanation. Secrets and unclassified keys come as fingerprints (`fp:...`), never values. */
export function describeEntry(entry: DriftEntry): string {
  const rule = entry.pattern === undefined ? entry.action : `${entry.action} by "${entry.pattern}"`;
  const parts: string[] = [];
  if (entry.kind === 'leakedSecret') parts.push(`staging uses production's value (${entry.production ?? 'fp:?'})`);
  else {
    if (entry.production !== undefined) parts.push(`production=${entry.production}`);
    if (entry.staging !== undefined) parts.push(`staging=${entry.staging}`);
    if (entry.expected !== undefined) parts.push(`expected=${entry.expected}`);
  }
  return `${rule}${parts.length > 0 ? `: ${parts.join(' ')}` : ''}`;
}
