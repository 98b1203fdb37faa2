import { METRIC } from '../../metrics/catalog';
import { checkParity } from '../../parity/check';
import { fingerprinter } from '../../parity/fingerprint';
import type { ParityConfig } from '../../parity/config-schema';
import { guardedAwsClients, parityClientGuards } from '../../parity/sources/aws-clients';
import { paritySources, type AwsClientFactory } from '../../parity/sources';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/** Shorter masking keys are not used for fingerprints. */
const MIN_FINGERPRINT_KEY_BYTES = 16;

/**
 * Builds the reconcile phase with its AWS clients injected (tests and Lambdas pass their own).
 * It compares staging's config and secrets with production's under `config.parity`, runs the key
 * probes, records DriftKeys, LeakedSecrets and ProbeFailures, and fails on any drift, leak or failed
 * probe. Fingerprints are keyed with the masking key when the function has it, so they are stable from
 * run to run (a random key otherwise). It never
 * writes: `rehearsal parity --apply` does that, on purpose, by hand.
 */
export function createReconcilePhase(clientsFor: (parity: ParityConfig, config: RunContext['config']) => AwsClientFactory): (ctx: RunContext) => Promise<PhaseOutcome> {
  return async (ctx) => {
    const parity = ctx.config.parity;
    if (!parity) return outcome.skipped('no parity section in the config');
    const { production, staging } = paritySources(parity, ctx.baseDir, clientsFor(parity, ctx.config));
    const result = await checkParity({
      production,
      staging,
      policy: parity.policy,
      probes: parity.probes,
      // A function without the masking key gets an empty buffer: an empty HMAC key would make
      // fingerprints a plain hash anyone can brute-force, so draw a random key for this run instead.
      fingerprint: ctx.maskingKey.length >= MIN_FINGERPRINT_KEY_BYTES ? fingerprinter(ctx.maskingKey) : fingerprinter(),
    });
    for (const warning of result.warnings) ctx.log.warn(warning);
    const { missing, differs, leakedSecret, extra } = result.counts;
    const probesFailed = result.probes.filter((probe) => probe.status === 'failed').length;
    ctx.metrics.add(METRIC.DriftKeys, missing + differs + extra, 'Count');
    ctx.metrics.add(METRIC.LeakedSecrets, leakedSecret, 'Count');
    ctx.metrics.add(METRIC.ProbeFailures, probesFailed, 'Count');
    const figures = { keys: result.keysCompared, missing, differs, leakedSecret, extra, probesFailed, warnings: result.warnings.length };
    const details = { production: result.production, staging: result.staging, drift: result.drift, probes: result.probes, warnings: result.warnings };
    if (result.passed) return outcome.passed(`${result.keysCompared} keys in policy, no leaked secret`, figures, details);
    const parts = [
      leakedSecret > 0 ? `${leakedSecret} secret(s) equal to production's` : '',
      missing > 0 ? `${missing} missing` : '',
      differs > 0 ? `${differs} differ` : '',
      extra > 0 ? `${extra} extra` : '',
      probesFailed > 0 ? `${probesFailed} key probe(s) failed` : '',
    ].filter((part) => part !== '');
    return outcome.failed(`config drift: ${parts.join(', ')}`, figures, details);
  };
}

/**
 * The phase table's reconcile, as the local runner runs it: guarded AWS clients are created only when
 * the config names an AWS source (a config of files creates none). The Lambda injects its own.
 */
export const runReconcile = createReconcilePhase((parity, config) => guardedAwsClients(parityClientGuards(parity, config)));
