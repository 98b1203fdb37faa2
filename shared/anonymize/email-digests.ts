import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { ownRowsSql, type MaskPlan } from './plan';
import { typeClassOf } from './strategies';

/**
 * How a finding names the unsalted digests of a masked email column's originals: a Gravatar hash or an
 * advertising platform's "hashed email" is the MD5 or SHA-256 of the trimmed, lowercased address, and
 * anyone holding the address can compute it again, so a kept copy names the person as the address does.
 */
export const DIGEST_SOURCE_SUFFIX = '(its unsalted MD5 or SHA-256 digest)';

/** A whole value that is a hex MD5 (32 digits) or SHA-256 (64) digest. */
const HEX_DIGEST = '^[0-9A-Fa-f]{32}([0-9A-Fa-f]{32})?$';
/** Rows read from each table to see whether a kept column holds hex digests. */
export const DIGEST_SAMPLE_ROWS = 200;

/**
 * Whether, among the first {@link DIGEST_SAMPLE_ROWS} rows of each table the plan covers, a kept text
 * column holds a hex digest: only then are emails' digests fingerprinted. Hashing every email twice
 * more cost the benchmark's run 8 s (2M emails, 2 cores), which a database without such a column
 * should not pay; a column holding digests (a Gravatar hash per user) holds them in most rows.
 */
export async function keptDigestsSeen(client: pg.Client, plan: MaskPlan): Promise<boolean> {
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const masked = new Set(table.masked.map((column) => column.column.name));
    const kept = table.table.columns.filter((column) => !masked.has(column.name) && !column.isArray && typeClassOf(column) === 'text').map((column) => quoteIdent(column.name));
    if (kept.length === 0) continue;
    const { rows } = await client.query<{ seen: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM (SELECT ${kept.join(', ')} FROM ${ownRowsSql(table)} LIMIT ${DIGEST_SAMPLE_ROWS}) AS s
                       WHERE ${kept.map((column) => `s.${column}::text ~ ${quoteLiteral(HEX_DIGEST)}`).join(' OR ')}) AS seen`,
    );
    if (rows[0]?.seen === true) return true;
  }
  return false;
}

/** SQL `VALUES` rows of the hex MD5 and SHA-256 digests of the email `value` (trimmed, lowercased), as Gravatar and ad platforms compute them. */
export function emailDigestsSql(value: string): string {
  const normalized = `lower(btrim(${value}))`;
  return `(md5(${normalized})), (encode(sha256(convert_to(${normalized}, 'UTF8')), 'hex'))`;
}
