import { LineCounter, parseDocument } from 'yaml';

/** Gives the 1-based line of the node at a path of a YAML text (or of its nearest parent that exists). */
export function yamlLineLocator(text: string): (path: readonly (string | number)[]) => number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return (path) => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
}
