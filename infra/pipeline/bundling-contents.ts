import type { Metafile } from 'esbuild';

const NODE_MODULES = 'node_modules/';

/**
 * Who owns a module in a bundle: its npm package (`@aws-sdk/client-s3`, `undici`) for a file under
 * node_modules, otherwise its first two folders (`shared/aws`); plugin modules (`namespace:path`)
 * count for the package they stand in for.
 */
export function ownerOf(modulePath: string): string {
  const at = modulePath.lastIndexOf(NODE_MODULES);
  if (at >= 0) {
    const [scope = '', name = ''] = modulePath.slice(at + NODE_MODULES.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const plain = modulePath.includes(':') ? modulePath.slice(modulePath.lastIndexOf(':') + 1) : modulePath;
  return plain.split('/').slice(0, 2).join('/');
}

/** The bundle's bytes by owner ({@link ownerOf}), largest first: what a bundle carries once minified and tree-shaken. */
export function bytesByOwner(metafile: Metafile): Array<{ owner: string; bytes: number }> {
  const totals = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) totals.set(ownerOf(input), (totals.get(ownerOf(input)) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([owner, bytes]) => ({ owner, bytes })).sort((a, b) => b.bytes - a.bytes || a.owner.localeCompare(b.owner));
}

/**
 * Every module `entry` reaches through its imports (static, dynamic and `require`), itself included,
 * sorted: the import graph before tree shaking, so a module counts even if none of its code survived.
 * `entry` is a path as the metafile names inputs (relative to the build's working directory).
 */
export function reachableModules(metafile: Metafile, entry: string): string[] {
  if (!metafile.inputs[entry]) throw new TypeError(`${entry} is not an input of this build (inputs are named relative to the working directory)`);
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const { path, external } of metafile.inputs[next]?.imports ?? []) {
      if (external || seen.has(path) || !metafile.inputs[path]) continue;
      seen.add(path);
      queue.push(path);
    }
  }
  return [...seen].sort();
}
