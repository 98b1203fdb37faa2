import path from 'node:path';
import { loadMaskingKey } from '../../../shared/anonymize/masking-key';
import { UsageError } from '../../../shared/errors';
import type { CliIO } from '../io';

/** The environment variable the masking key is read from when no --key-file is given. */
export const MASKING_KEY_ENV = 'REHEARSAL_MASKING_KEY';

/** Reads the masking key from --key-file or REHEARSAL_MASKING_KEY; the message names the source, never the key. */
export function keyFor(values: { 'key-file'?: string | undefined }, io: CliIO): Promise<Buffer> {
  const file = values['key-file'];
  return loadMaskingKey(file === undefined ? { env: MASKING_KEY_ENV } : { file: path.resolve(io.cwd, file) }, io.env, io.cwd, 'or pass --key-file FILE');
}

const URL_SHAPE = 'postgres://user:password@host:port/database';

/**
 * Checks a --database-url value names a PostgreSQL database: a postgres:// URL that parses, with a
 * database name (without one, the server's default database would be read, and every rule reported
 * missing). The messages never repeat the value, which may hold a password.
 */
export function databaseUrl(command: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`rehearsal ${command}: --database-url is required`);
  if (!/^postgres(ql)?:\/\//.test(value)) throw new UsageError(`rehearsal ${command}: --database-url must be a postgres:// URL (${URL_SHAPE})`);
  let parsed: URL;
  try {
    parsed = new URL(value);
    decodeURIComponent(parsed.pathname);
  } catch {
    throw new UsageError(`rehearsal ${command}: --database-url does not parse as a URL: check the port (digits), brackets around an IPv6 host, and percent-encode special characters in the password (${URL_SHAPE})`);
  }
  if (parsed.pathname.replace(/^\//, '') === '') throw new UsageError(`rehearsal ${command}: --database-url names no database: add /<database> after the host (${URL_SHAPE})`);
  return value;
}
