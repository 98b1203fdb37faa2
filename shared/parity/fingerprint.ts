import { createHmac, randomBytes } from 'node:crypto';

/** Turns a secret value into a short keyed hash: equal values give equal fingerprints, and the value cannot be read back. */
export type Fingerprint = (value: string) => string;

/**
 * A keyed fingerprint (HMAC-SHA256, first 12 hex digits). With no key a random one is drawn, so
 * fingerprints compare values within one report but mean nothing outside it; with the masking key they
 * are stable from run to run without revealing anything to whoever lacks the key.
 */
export function fingerprinter(key: Buffer = randomBytes(32)): Fingerprint {
  const derived = createHmac('sha256', key).update('rehearsal parity fingerprint v1').digest();
  return (value) => `fp:${createHmac('sha256', derived).update(value, 'utf8').digest('hex').slice(0, 12)}`;
}
