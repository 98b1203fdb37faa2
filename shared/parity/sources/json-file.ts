import { readFile, writeFile } from 'node:fs/promises';
import { ConfigError, EnvironmentError } from '../../errors';
import type { ConfigSource } from './source';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Flattens a JSON object to keys joined with `.` (`{"db": {"host": "x"}}` gives `db.host`). Numbers
 * and booleans become their JSON text; arrays are kept whole as JSON text. Anything but an object at
 * the top is a {@link ConfigError}.
 */
export function flattenJson(value: unknown, file: string): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ file, path: '', message: 'expected a JSON object of keys and values' }]);
  }
  const flat = new Map<string, string>();
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, item] of Object.entries(node)) {
      const name = prefix === '' ? key : `${prefix}.${key}`;
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) walk(item as Record<string, unknown>, name);
      else flat.set(name, typeof item === 'string' ? item : JSON.stringify(item));
    }
  };
  walk(value as Record<string, unknown>, '');
  return flat;
}

/** A local JSON file of keys (nested objects flattened with `.`). Writes set string values at the key's path. */
export function jsonFileSource(file: string, label = file): ConfigSource {
  const load = async (): Promise<Record<string, Json>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new EnvironmentError(`cannot read JSON file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
    }
    try {
      return JSON.parse(text) as Record<string, Json>;
    } catch (cause) {
      throw new ConfigError([{ file, path: '', message: `not valid JSON: ${(cause as Error).message}` }], { cause });
    }
  };
  return {
    description: `JSON file ${label}`,
    async read() {
      return flattenJson(await load(), file);
    },
    async write(changes) {
      const document = await load();
      flattenJson(document, file);
      for (const [key, value] of changes) setAt(document, key, value);
      await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
    },
  };
}

/** Sets a flattened key: the longest existing object path wins, so keys that contain dots still land right. */
function setAt(document: Record<string, Json>, key: string, value: string): void {
  if (Object.hasOwn(document, key) || !key.includes('.')) {
    document[key] = value;
    return;
  }
  const parts = key.split('.');
  for (let split = 1; split < parts.length; split += 1) {
    const head = parts.slice(0, split).join('.');
    const child = document[head];
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
      setAt(child, parts.slice(split).join('.'), value);
      return;
    }
  }
  document[key] = value;
}
