/**
 * A small JSONPath subset, enough for bot replies: `$`, `.name`, `['name']`, `[0]`, `[-1]`, `[*]`, `.*`
 * and `..name` (recursive descent). Compiled once, evaluated per reply.
 */

type Segment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'descend'; readonly key: string };

/** A compiled JSONPath expression. */
export interface JsonPath {
  readonly source: string;
  /** Every value the path selects, in document order; empty when nothing matches. */
  select(document: unknown): unknown[];
}

/** Thrown for a malformed expression; the message says where it went wrong. */
export class JsonPathSyntaxError extends Error {}

const NAME = /^[A-Za-z_$][\w$-]*/;

/** Compiles a JSONPath expression or throws {@link JsonPathSyntaxError}. */
export function compileJsonPath(source: string): JsonPath {
  const segments = parse(source);
  return {
    source,
    select(document) {
      const out: unknown[] = [];
      walk(segments, 0, document, out);
      return out;
    },
  };
}

function parse(source: string): Segment[] {
  if (!source.startsWith('$')) throw new JsonPathSyntaxError(`JSONPath ${JSON.stringify(source)} must start with $`);
  const segments: Segment[] = [];
  let rest = source.slice(1);
  const fail = (what: string): never => {
    throw new JsonPathSyntaxError(`JSONPath ${JSON.stringify(source)}: ${what} at position ${source.length - rest.length}`);
  };
  while (rest.length > 0) {
    if (rest.startsWith('..')) {
      rest = rest.slice(2);
      const name = NAME.exec(rest)?.[0] ?? fail('expected a name after ..');
      segments.push({ kind: 'descend', key: name });
      rest = rest.slice(name.length);
    } else if (rest.startsWith('.*')) {
      segments.push({ kind: 'wildcard' });
      rest = rest.slice(2);
    } else if (rest.startsWith('.')) {
      rest = rest.slice(1);
      const name = NAME.exec(rest)?.[0] ?? fail('expected a name after .');
      segments.push({ kind: 'key', key: name });
      rest = rest.slice(name.length);
    } else if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) fail('missing ]');
      const inside = rest.slice(1, close).trim();
      rest = rest.slice(close + 1);
      if (inside === '*') segments.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inside)) segments.push({ kind: 'index', index: Number(inside) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inside)) segments.push({ kind: 'key', key: inside.slice(1, -1) });
      else fail(`unsupported selector [${inside}], expected [n], [*] or ['name']`);
    } else {
      fail('expected ., .. or [');
    }
  }
  return segments;
}

/**
 * Applies segments `at..` to one value, depth first, pushing what the last segment selects. Each
 * segment maps a value to an ordered list and the lists are concatenated in order, so depth first
 * gives the same document order as applying the path segment by segment, with no array per segment.
 */
function walk(segments: readonly Segment[], at: number, value: unknown, out: unknown[]): void {
  const segment = segments[at];
  if (segment === undefined) {
    out.push(value);
    return;
  }
  const next = at + 1;
  switch (segment.kind) {
    case 'key':
      if (isRecord(value) && Object.hasOwn(value, segment.key)) walk(segments, next, value[segment.key], out);
      return;
    case 'index':
      if (Array.isArray(value)) {
        const item: unknown = value.at(segment.index);
        if (item !== undefined) walk(segments, next, item, out);
      }
      return;
    case 'wildcard':
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index += 1) walk(segments, next, value[index] as unknown, out);
      } else if (isRecord(value)) {
        for (const item of Object.values(value)) walk(segments, next, item, out);
      }
      return;
    case 'descend':
      descend(segment.key, value, (found) => walk(segments, next, found, out));
      return;
  }
}

function descend(key: string, value: unknown, visit: (found: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) descend(key, item, visit);
  } else if (isRecord(value)) {
    if (Object.hasOwn(value, key)) visit(value[key]);
    for (const item of Object.values(value)) descend(key, item, visit);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
