import { z } from 'zod';
import type { LineLocator } from './problems';

/**
 * The lines of a YAML document's nodes as plain JSON, for a place that has the document's values but
 * not its text (a Lambda reads the config bundled as JSON). Each node holds its 1-based line (a map
 * entry: its key's line; a sequence item: the item's) and its children by key (sequence indexes as
 * strings). Built from the text by `yamlLineTree` (shared/config/load.ts), at synth.
 */
export interface LineTree {
  readonly line: number;
  readonly keys?: Readonly<Record<string, LineTree>> | undefined;
}

/** Validates a {@link LineTree} read from a file. */
export const lineTreeSchema: z.ZodType<LineTree> = z.lazy(() => z.object({
  line: z.number().int().positive(),
  keys: z.record(z.string(), lineTreeSchema).optional(),
}).strict());

/** A bundled line map: the file name problems name (as the person knows it) and its lines. */
export const fileLinesSchema = z.object({ file: z.string().min(1), lines: lineTreeSchema }).strict();
export type FileLines = z.infer<typeof fileLinesSchema>;

/**
 * A locator over a {@link LineTree} that answers as the YAML locator over the text it came from does:
 * the line of the node at a path, or of its closest existing parent.
 */
export function lineTreeLocator(tree: LineTree): LineLocator {
  return (pathParts) => {
    let node = tree;
    for (const part of pathParts) {
      const key = String(part);
      const child = node.keys !== undefined && Object.hasOwn(node.keys, key) ? node.keys[key] : undefined;
      if (child === undefined) break;
      node = child;
    }
    return node.line;
  };
}
