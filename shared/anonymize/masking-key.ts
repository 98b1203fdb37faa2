import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors';

/** Where the masking key comes from: an environment variable or a file (in AWS, a secret read by the Lambda). */
export type MaskingKeySource = { readonly env: string } | { readonly file: string };

/** The shortest key accepted: a shorter one could be guessed, and with it every original value. */
export const MIN_KEY_LENGTH = 16;

/**
 * Reads the masking key. Throws {@link ConfigError} when it is missing, empty or too short; the message
 * names the variable or file, never the key, and says `otherwise` where else a key can come from (the
 * config's `maskingKey: { file }`; the CLI's `--key-file`).
 */
export async function loadMaskingKey(
  source: MaskingKeySource, env: NodeJS.ProcessEnv, baseDir: string, otherwise = 'or use maskingKey: { file: ... }',
): Promise<Buffer> {
  let key: string;
  let where: string;
  if ('env' in source) {
    where = `environment variable ${source.env}`;
    const value = env[source.env];
    if (value === undefined || value === '') {
      throw new ConfigError([{ path: 'maskingKey', message: `the masking key is not set: export ${source.env} (at least ${MIN_KEY_LENGTH} characters) ${otherwise}` }]);
    }
    key = value;
  } else {
    const file = path.resolve(baseDir, source.file);
    where = `file ${file}`;
    try {
      key = (await readFile(file, 'utf8')).trim();
    } catch (cause) {
      throw new ConfigError([{ path: 'maskingKey.file', message: `cannot read the masking key file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }], { cause });
    }
  }
  if (key.length === 0) throw new ConfigError([{ path: 'maskingKey', message: `the masking key in ${where} is empty: at least ${MIN_KEY_LENGTH} characters are needed` }]);
  if (key.length < MIN_KEY_LENGTH) {
    throw new ConfigError([{ path: 'maskingKey', message: `the masking key in ${where} is too short: at least ${MIN_KEY_LENGTH} characters are needed` }]);
  }
  return Buffer.from(key, 'utf8');
}
