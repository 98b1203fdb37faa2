import { copycat } from '@snaplet/copycat';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { CITIES, FIRST_NAMES, LAST_NAMES, STREETS } from '../shared/anonymize/dictionaries';
import { keyedDigest } from '../shared/anonymize/keyed-digest';

/** The per-column transforms of a (c) run; every one takes and gives text. */
export type NodeFakes = Readonly<Record<'email' | 'phone' | 'fullName' | 'street' | 'city' | 'postcode' | 'scrub', (value: string) => string>>;

/**
 * (c) The client-side approach of our competitors: COPY a table out, transform each row in Node with
 * the same keyed hash and dictionaries, COPY it into an empty copy of the table.
 */
export function nodeFakes(key: Buffer): NodeFakes {
  const pick = <T>(list: readonly T[], h: Buffer, at: number): T => list[h.readUInt32BE(at) % list.length] as T;
  const email = (value: string): string => {
    const h = keyedDigest(key, 'email', value);
    return `${pick(FIRST_NAMES, h, 0).toLowerCase()}.${pick(LAST_NAMES, h, 4).toLowerCase()}.${h.toString('hex').slice(16, 28)}@example.com`;
  };
  const phone = (value: string): string => {
    const digits = keyedDigest(key, 'phone', value).toString('hex').replace(/[a-f]/g, (c) => String(c.charCodeAt(0) - 97));
    let at = 0;
    return value.replace(/[0-9]/g, (d) => (value.startsWith('+') && at < 2 ? (at++, d) : digits[at++ % digits.length] ?? '0'));
  };
  return {
    email,
    phone,
    fullName: (value: string) => { const h = keyedDigest(key, 'name', value); return `${pick(FIRST_NAMES, h, 0)} ${pick(LAST_NAMES, h, 4)}`; },
    street: (value: string) => { const h = keyedDigest(key, 'street', value); return `${1 + (h.readUInt32BE(0) % 250)} ${pick(STREETS, h, 4)}`; },
    city: (value: string) => pick(CITIES, keyedDigest(key, 'city', value), 0),
    postcode: (value: string) => { const h = keyedDigest(key, 'postcode', value); return value.replace(/[A-Za-z0-9]/g, (c, i: number) => (/\d/.test(c) ? String((h[i % 32] ?? 0) % 10) : String.fromCharCode(65 + ((h[i % 32] ?? 0) % 26)))); },
    scrub: (value: string) => value.replace(/[\w.%+-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}/g, email).replace(/\+[1-9][0-9 ().-]{6,18}[0-9]/g, phone),
  };
}

/**
 * (c') What Snaplet, the best known client-side tool, runs: its `copycat` fakes (keyed by a hash key,
 * deterministic per input), the same shape of work per row as {@link nodeFakes}, emails kept unique
 * the way copycat offers (`uniqueByInput`). Free text is scrubbed with the same two patterns.
 */
export function copycatFakes(key: Buffer): NodeFakes {
  copycat.setHashKey(copycat.generateHashKey(key.toString('base64')));
  // users.email is unique, and copycat's emails collide within a million: a Snaplet user keeps them
  // unique with uniqueByInput (a store of every fake so far) and reuses a value's fake wherever it
  // appears (orders.contact_email, emails quoted in bios), as this map does.
  const fakes = new Map<string, string>();
  const inputs = new Set<string | number>();
  const taken = new Set<string>();
  const fresh = (input: string | number): string => copycat.email(input, { domain: 'example.com' });
  const email = (value: string): string => {
    let fake = fakes.get(value);
    if (fake === undefined) {
      fake = copycat.uniqueByInput(value, fresh as (input: unknown) => string, inputs, taken, { attempts: 100 });
      fakes.set(value, fake);
    }
    return fake;
  };
  const phone = (value: string): string => copycat.phoneNumber(value);
  return {
    email,
    phone,
    fullName: (value: string) => copycat.fullName(value),
    street: (value: string) => copycat.streetAddress(value),
    city: (value: string) => copycat.city(value),
    postcode: (value: string) => copycat.scramble(value),
    scrub: (value: string) => value.replace(/[\w.%+-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}/g, email).replace(/\+[1-9][0-9 ().-]{6,18}[0-9]/g, phone),
  };
}

/** Transforms COPY text rows (tab-separated; `\N` is NULL); the fields it masks hold no tab or backslash escapes. */
class RowTransform extends Transform {
  #rest = '';
  constructor(private readonly mask: (fields: string[]) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const lines = (this.#rest + chunk.toString('utf8')).split('\n');
    this.#rest = lines.pop() ?? '';
    done(null, lines.map((line) => this.#row(line)).join(''));
  }
  override _flush(done: TransformCallback): void {
    done(null, this.#rest === '' ? '' : this.#row(this.#rest));
  }
  #row(line: string): string {
    const fields = line.split('\t');
    this.mask(fields);
    return `${fields.join('\t')}\n`;
  }
}

/** COPY `source` out through `mask` and into `target` (same columns), on two connections. */
export async function copyThroughNode(reader: pg.Client, writer: pg.Client, source: string, target: string, mask: (fields: string[]) => void): Promise<void> {
  await pipeline(reader.query(copyTo(`COPY ${source} TO STDOUT`)), new RowTransform(mask), writer.query(copyFrom(`COPY ${target} FROM STDIN`)));
}
