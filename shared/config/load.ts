import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type InputProblem } from '../errors';
import type { LineTree } from './line-map';
import { formatPath, issuesToProblems, type LineLocator } from './problems';
import { configSchema, type Config } from './schema';
import { rememberConfigSections } from './section-sources';

export { configSectionSource, type ConfigSectionSource } from './section-sources';

/** A config as loaded: the validated values and the folder relative paths in it resolve against. */
export interface LoadedConfig {
  readonly config: Config;
  readonly file: string;
  readonly baseDir: string;
}

/**
 * Reads, interpolates and validates a YAML (or JSON) document against a zod schema.
 * Throws {@link ConfigError} with one problem per issue, each with file, line and path. Never returns
 * a partially valid value.
 */
export function parseYamlDocument<S extends z.ZodType>(
  text: string,
  schema: S,
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): z.infer<S> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fileField = options.file === undefined ? {} : { file: options.file };
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        path: '',
        message: `not valid YAML: ${yamlErrorMessage(error, text)}`,
        ...fileField,
        line: lineCounter.linePos(error.pos[0]).line,
      })),
    );
  }
  const unset: UnsetVariable[] = [];
  const raw = interpolateEnv(document.toJS() as unknown, options.env ?? process.env, [], unset);
  const locate = locatorFor(document, lineCounter);
  if (unset.length > 0) {
    throw new ConfigError(
      unset.map(({ at, message }): InputProblem => {
        const line = locate(at);
        return { path: formatPath(at), message, ...fileField, ...(line === undefined ? {} : { line }) };
      }),
    );
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(issuesToProblems(result.error.issues, { ...fileField, locate }));
  }
  return result.data;
}

/** A YAML parser's error in words a person acts on: which key is repeated, what a second document is. */
function yamlErrorMessage(error: { code: string; message: string; pos: [number, number] }, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    // The error points at the repeated key: its text runs to the colon after it, on its line.
    const key = (text.slice(error.pos[0]).split('\n')[0] ?? '').replace(/:(\s.*)?$/, '').trim();
    return `the key ${key} appears twice in one mapping: keep one`;
  }
  if (error.code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document (a line of ---): keep one';
  return error.message.split('\n')[0] ?? error.code;
}

/** Loads `rehearsal.config.yaml` (or any path) and validates it. Throws {@link ConfigError}. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ path: '', file, message: `cannot read the config file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }], { cause });
  }
  const config = parseYamlDocument(text, configSchema, { file, env });
  const resolved = path.resolve(file);
  rememberConfigSections(config, resolved, yamlLineLocator(text));
  return { config, file: resolved, baseDir: path.dirname(resolved) };
}

/**
 * A line locator for a YAML (or JSON) text already validated by {@link parseYamlDocument}: maps a path
 * found later (a rule that does not fit the database) back to its line. Unparseable text locates nothing.
 */
export function yamlLineLocator(text: string): LineLocator {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  return locatorFor(document, lineCounter);
}

/**
 * The lines of every node of a YAML (or JSON) text as a {@link LineTree}, which `lineTreeLocator` reads
 * exactly as {@link yamlLineLocator} reads the text: bundled with the config at synth, so problems
 * found in a Lambda name the YAML's lines. Unparseable or empty text gives a tree of line 1 alone.
 */
export function yamlLineTree(text: string): LineTree {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const build = (line: number, value: unknown): LineTree => {
    const keys: Record<string, LineTree> = {};
    if (isMap(value)) {
      for (const pair of value.items) {
        const key = pair.key as { value?: unknown; range?: [number, number, number] | null } | null;
        const keyLine = lineOf(key);
        if (key?.value === undefined || keyLine === undefined || Object.hasOwn(keys, String(key.value))) continue;
        keys[String(key.value)] = build(keyLine, pair.value);
      }
    } else if (isSeq(value)) {
      value.items.forEach((item, index) => {
        const itemLine = lineOf(item as { range?: [number, number, number] | null });
        if (itemLine !== undefined) keys[String(index)] = build(itemLine, item);
      });
    }
    return Object.keys(keys).length === 0 ? { line } : { line, keys };
  };
  return build(lineOf(document.contents as { range?: [number, number, number] | null } | null) ?? 1, document.contents);
}

/** Builds a function giving the 1-based line of the node at a path, or of its closest existing parent. */
function locatorFor(document: Document, lineCounter: LineCounter): LineLocator {
  return (pathParts) => {
    for (let depth = pathParts.length; depth >= 0; depth -= 1) {
      const keys = pathParts.slice(0, depth);
      const node = nodeAt(document, keys);
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

function nodeAt(document: Document, keys: readonly PropertyKey[]): { range?: [number, number, number] | null } | undefined {
  if (keys.length === 0) return document.contents ?? undefined;
  const parent = keys.length === 1 ? document.contents : document.getIn(keys.slice(0, -1) as unknown[], true);
  const last = keys[keys.length - 1];
  if (isMap(parent)) {
    // The key's own position: for a missing or wrong value, the key line is what a person looks for.
    const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
    const key = pair?.key as { range?: [number, number, number] } | undefined;
    return key ?? undefined;
  }
  if (isSeq(parent) && typeof last === 'number') return (parent.items[last] as { range?: [number, number, number] }) ?? undefined;
  return undefined;
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

interface UnsetVariable {
  readonly at: readonly string[];
  readonly message: string;
}

/** Replaces `${env:NAME}` in every string; a variable that is not set is a problem, never an empty string. */
function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, at: string[], problems: UnsetVariable[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (whole, name: string) => {
      const found = env[name];
      if (found === undefined) {
        problems.push({ at, message: `environment variable ${name} is not set (referenced as ${whole})` });
        return whole;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, [...at, String(index)], problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...at, key], problems)]),
    );
  }
  return value;
}
