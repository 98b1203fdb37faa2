import { quoteLiteral } from '../db/client';

/**
 * The JSON paths rules use: `$`, then `.key`, `."quoted key"`, `['key']`, `[*]` (every element),
 * `.*` (every member) and `[n]` (one element), read in SQL/JSON's lax mode (see `json_apply`).
 */
export type JsonPathSegment = { readonly key: string } | { readonly wildcard: 'elements' | 'members' } | { readonly index: number };

/** Thrown for a path that does not parse; the message says where and what was expected. */
export class JsonPathSyntaxError extends Error {}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses a rule's JSON path. Throws {@link JsonPathSyntaxError}. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  if (!path.startsWith('$')) throw new JsonPathSyntaxError('a JSON path starts with $');
  const segments: JsonPathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const at = path.length - rest.length;
    if (rest.startsWith('.*')) {
      segments.push({ wildcard: 'members' });
      rest = rest.slice(2);
    } else if (rest.startsWith('."')) {
      const end = rest.indexOf('"', 2);
      if (end < 0) throw new JsonPathSyntaxError(`unterminated quoted key at character ${at + 1}`);
      segments.push({ key: rest.slice(2, end) });
      rest = rest.slice(end + 1);
    } else if (rest.startsWith('.')) {
      const match = IDENT.exec(rest.slice(1));
      if (!match) throw new JsonPathSyntaxError(`expected a key name after "." at character ${at + 2}`);
      segments.push({ key: match[0] });
      rest = rest.slice(1 + match[0].length);
    } else if (rest.startsWith('[')) {
      const match = /^\[(\*|[0-9]+|'[^']*'|"[^"]*")\]/.exec(rest);
      if (!match?.[1]) throw new JsonPathSyntaxError(`expected [*], [n] or ['key'] at character ${at + 1}`);
      const inside = match[1];
      if (inside === '*') segments.push({ wildcard: 'elements' });
      else if (/^[0-9]+$/.test(inside)) segments.push({ index: Number(inside) });
      else segments.push({ key: inside.slice(1, -1) });
      rest = rest.slice(match[0].length);
    } else {
      throw new JsonPathSyntaxError(`unexpected "${rest[0] ?? ''}" at character ${at + 1}; expected .key, [*] or [n]`);
    }
  }
  if (segments.length === 0) throw new JsonPathSyntaxError('the path names no member: mask the whole column with a column strategy instead');
  return segments;
}

/**
 * The segments as the SQL walker's text array elements (`json_apply`): `k:<key>` for a key (so no key
 * can be mistaken for a wildcard), `[*]`, `.*`, and `#n` for an index.
 */
export function toWalkerPath(segments: readonly JsonPathSegment[]): string[] {
  return segments.map((segment) => ('key' in segment ? `k:${segment.key}` : 'index' in segment ? `#${segment.index}` : segment.wildcard === 'elements' ? '[*]' : '.*'));
}

/**
 * SQL giving, one row each, the values the rule path `path` reaches in the JSON document `doc` (an SQL
 * expression, json or jsonb), read as masking reads them: what the fingerprints take and free text is
 * searched in. Throws {@link JsonPathSyntaxError} on a malformed path.
 */
export function pathNodesSql(doc: string, path: string): string {
  return `jsonb_path_query(${doc}::jsonb, ${quoteLiteral(toSqlJsonPath(parseJsonPath(path)))})`;
}

/** The segments as an SQL/JSON path in lax mode (`jsonb_path_query`), for reading the values a path reaches as masking does. */
export function toSqlJsonPath(segments: readonly JsonPathSegment[]): string {
  return `lax $${segments.map((segment) => ('key' in segment ? `."${segment.key.replace(/["\\]/g, (c) => `\\${c}`)}"` : 'index' in segment ? `[${segment.index}]` : segment.wildcard === 'elements' ? '[*]' : '.*')).join('')}`;
}
