import { createHash } from 'node:crypto';
import { FINGERPRINT_BYTES } from './sql/core';

/**
 * The TypeScript twin of the SQL keyed digest (`rehearsal_mask.keyed`/`digest`/`fingerprint`), so SQL
 * and Node agree byte for byte.
 *
 * The construction is SHA-256 over a secret 64-byte key block followed by the message: the inner hash
 * of HMAC, one pass instead of two (in SQL the outer pass cost as much as everything else a fake does).
 * HMAC's outer pass exists to stop length extension: from H(K || m) anyone can compute H(K || m || p || x)
 * where p is SHA-256's padding of m, which always holds a 0x00 byte (the high bytes of the 64-bit
 * length). Every message hashed here is UTF-8 text from PostgreSQL, which can never contain 0x00, so
 * no extended message is ever one rehearsal hashes: without the key, no fake, fingerprint or check digit
 * can be computed or confirmed for a chosen value.
 */

const BLOCK = 64;

/** The key as one 64-byte block (hashed first when longer, zero-filled when shorter), hex: the SQL session setting. */
export function keyBlock(key: Buffer): string {
  const block = Buffer.alloc(BLOCK);
  (key.length > BLOCK ? createHash('sha256').update(key).digest() : key).copy(block);
  return block.toString('hex');
}

const keyed = (key: Buffer, message: string): Buffer =>
  createHash('sha256').update(Buffer.from(keyBlock(key), 'hex')).update(message, 'utf8').digest();

/** How a value is normalized before hashing, per kind (emails ignore case; phones keep only digits). */
export function normalize(kind: string, value: string): string {
  if (kind === 'email') return value.trim().toLowerCase();
  if (kind === 'phone') return value.replace(/[^0-9]/g, '');
  return value.trim();
}

/** The keyed digest a fake of `kind` is derived from (the twin of `rehearsal_mask.digest`). */
export function keyedDigest(key: Buffer, kind: string, value: string, attempt = 0): Buffer {
  const prefix = attempt === 0 ? '' : `${attempt}#`;
  return keyed(key, `${prefix}${normalize(kind, value)}`);
}

/** The fingerprint verify compares against (the twin of `rehearsal_mask.fingerprint`): the digest's first {@link FINGERPRINT_BYTES} bytes. */
export function fingerprintOf(key: Buffer, value: string): Buffer {
  return keyed(key, `fingerprint#${value.trim().toLowerCase()}`).subarray(0, FINGERPRINT_BYTES);
}

/** The constant whose keyed hash a run stores to tell later which key it was masked with (`rehearsal_mask.key_check`). */
export const KEY_CHECK_TEXT = 'rehearsal-key-check';

/** The twin of the SQL key check: the keyed hash of {@link KEY_CHECK_TEXT} under `key`. */
export function keyCheckOf(key: Buffer): Buffer {
  return keyed(key, KEY_CHECK_TEXT);
}
