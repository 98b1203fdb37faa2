import { createHash, createHmac } from 'node:crypto';

/**
 * The TypeScript twin of the SQL keyed digest (`rehearsal_mask.hmac`/`digest`/`fingerprint`): standard
 * HMAC-SHA256, so SQL and Node agree byte for byte, and the pads the SQL reads from session settings.
 */

const BLOCK = 64;

/** The HMAC inner and outer pads of a key, as hex: what the SQL side gets as session settings. */
export function hmacPads(key: Buffer): { ipad: string; opad: string } {
  const block = Buffer.alloc(BLOCK);
  (key.length > BLOCK ? createHash('sha256').update(key).digest() : key).copy(block);
  const ipad = Buffer.alloc(BLOCK);
  const opad = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = block[i] ?? 0;
    ipad[i] = byte ^ 0x36;
    opad[i] = byte ^ 0x5c;
  }
  return { ipad: ipad.toString('hex'), opad: opad.toString('hex') };
}

/** How a value is normalized before hashing, per kind (emails ignore case; phones keep only digits). */
export function normalize(kind: string, value: string): string {
  if (kind === 'email') return value.trim().toLowerCase();
  if (kind === 'phone') return value.replace(/[^0-9]/g, '');
  return value.trim();
}

/** The keyed digest a fake of `kind` is derived from (the twin of `rehearsal_mask.digest`). */
export function keyedDigest(key: Buffer, kind: string, value: string, attempt = 0): Buffer {
  const prefix = attempt === 0 ? '' : `${attempt}#`;
  return createHmac('sha256', key).update(`${prefix}${normalize(kind, value)}`, 'utf8').digest();
}

/** The fingerprint verify compares against (the twin of `rehearsal_mask.fingerprint`). */
export function fingerprintOf(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(`fingerprint#${value.trim().toLowerCase()}`, 'utf8').digest();
}
