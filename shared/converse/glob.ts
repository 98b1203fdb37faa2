import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';

/**
 * Expands glob patterns (`*`, `?`, `**`, `{a,b}`) relative to a folder into absolute file paths, sorted,
 * without duplicates. A pattern without wildcards names one file. Returns the patterns that matched
 * nothing separately, so the caller can report them.
 */
export async function expandGlobs(patterns: readonly string[], baseDir: string): Promise<{ files: string[]; unmatched: string[] }> {
  // Conversation suites are small folders read once before any traffic: one synchronous walk serves
  // both this and the CDK app, which cannot await while it builds constructs.
  return expandGlobsSync(patterns, baseDir);
}

/** {@link expandGlobs} for callers that cannot await (the CDK app, while constructs are built). */
export function expandGlobsSync(patterns: readonly string[], baseDir: string): { files: string[]; unmatched: string[] } {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const absolute = path.resolve(baseDir, pattern).split(path.sep).join('/');
    const found = /[*?{[]/.test(pattern) ? walkMatchingSync(absolute) : existingFileSync(absolute);
    if (found.length === 0) unmatched.push(pattern);
    for (const file of found) files.add(file);
  }
  return { files: [...files].sort(), unmatched };
}

function existingFileSync(file: string): string[] {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ? [path.normalize(file)] : [];
}

function walkMatchingSync(pattern: string): string[] {
  const parts = pattern.split('/');
  const firstWild = parts.findIndex((part) => /[*?{[]/.test(part));
  const root = parts.slice(0, firstWild).join('/') || '/';
  const matcher = globToRegExp(pattern);
  const found: string[] = [];
  const deep = parts.slice(firstWild).includes('**') || parts.length - firstWild > 1;
  const walk = (dir: string, depth: number): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = `${dir === '/' ? '' : dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.') && (deep || depth === 0) && depth < 32) walk(full, depth + 1);
      else if (entry.isFile() && matcher.test(full)) found.push(path.normalize(full));
    }
  };
  walk(root, 0);
  return found;
}

/** Converts a glob to an anchored regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index] ?? '';
    if (char === '*' && glob[index + 1] === '*') {
      // `**/` matches zero or more folders.
      source += glob[index + 2] === '/' ? '(?:.*/)?' : '.*';
      index += glob[index + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{') {
      const close = glob.indexOf('}', index);
      if (close < 0) source += '\\{';
      else {
        source += `(?:${glob.slice(index + 1, close).split(',').map(escape).join('|')})`;
        index = close;
      }
    } else source += escape(char);
  }
  return new RegExp(`^${source}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
