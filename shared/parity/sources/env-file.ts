import { readFile, writeFile } from 'node:fs/promises';
import { ConfigError, EnvironmentError } from '../../errors';
import type { ConfigSource } from './source';

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;

/**
 * Parses a dotenv file: `KEY=value`, `export KEY=value`, `#` comments, single or double quotes
 * (double quotes understand `\n`, `\"` and `\\`). A line that is none of these is a {@link ConfigError}
 * with its file and line; the value is never quoted back.
 */
export function parseEnvFile(text: string, file: string): Map<string, string> {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match?.[1]) {
      throw new ConfigError([{ file, line: index + 1, path: '', message: 'expected KEY=value, a # comment or a blank line' }]);
    }
    values.set(match[1], unquote(match[2] ?? '', file, index + 1, match[1]));
  });
  return values;
}

function unquote(raw: string, file: string, line: number, key: string): string {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return raw.replace(/\s+#.*$/, '');
  const end = raw.lastIndexOf(quote);
  if (end === 0) throw new ConfigError([{ file, line, path: key, message: `unterminated ${quote === '"' ? 'double' : 'single'} quote` }]);
  const inner = raw.slice(1, end);
  return quote === "'" ? inner : inner.replace(/\\(["\\n])/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

/** Writes a value so that {@link parseEnvFile} reads it back unchanged. */
export function formatEnvValue(value: string): string {
  return /^[A-Za-z0-9_./:@+-]*$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A local dotenv file. Writes keep comments and every other line; new keys are appended. */
export function envFileSource(file: string, label = file): ConfigSource {
  return {
    description: `env file ${label}`,
    async read() {
      return parseEnvFile(await readText(file), file);
    },
    async write(changes) {
      const lines = (await readText(file)).split('\n');
      const pending = new Map(changes);
      const updated = lines.map((line) => {
        const key = LINE.exec(line)?.[1];
        if (key === undefined || !pending.has(key) || line.trim().startsWith('#')) return line;
        const value = pending.get(key) ?? '';
        pending.delete(key);
        const exported = /^\s*export\s/.test(line) ? 'export ' : '';
        return `${exported}${key}=${formatEnvValue(value)}`;
      });
      if (updated.at(-1) === '') updated.pop();
      for (const [key, value] of pending) updated.push(`${key}=${formatEnvValue(value)}`);
      await writeFile(file, `${updated.join('\n')}\n`);
    },
  };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new EnvironmentError(`cannot read env file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
}
