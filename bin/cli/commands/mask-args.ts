import path from 'node:path';
import { loadMaskingKey } from '../../../shared/anonymize/masking-key';
import { UsageError } from '../../../shared/errors';
import type { CliIO } from '../io';

/** The environment variable the masking key is read from when no --key-file is given. */
export const MASKING_KEY_ENV = 'REHEARSAL_MASKING_KEY';

/** Reads the masking key from --key-file or REHEARSAL_MASKING_KEY; the message names the source, never the key. */
export function keyFor(values: { 'key-file'?: string | undefined }, io: CliIO): Promise<Buffer> {
  const file = values['key-file'];
  return loadMaskingKey(file === undefined ? { env: MASKING_KEY_ENV } : { file: path.resolve(io.cwd, file) }, io.env, io.cwd);
}

/** Checks a --database-url value names a PostgreSQL database. */
export function databaseUrl(command: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`rehearsal ${command}: --database-url is required`);
  if (!/^postgres(ql)?:\/\//.test(value)) throw new UsageError(`rehearsal ${command}: --database-url must be a postgres:// URL`);
  return value;
}
