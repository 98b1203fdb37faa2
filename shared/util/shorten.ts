/**
 * `text` at most `max` characters long (`max` at least 20): whole when it fits, else its beginning and
 * its end with ` … ` between them, the end a third of what is kept. A failure's message says what
 * happened first and what to do last (the pipeline's line under a phase's error), so cutting its middle
 * keeps both where cutting its end lost the second.
 */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ' … ';
  const kept = max - marker.length;
  const tail = Math.floor(kept / 3);
  return `${text.slice(0, kept - tail)}${marker}${text.slice(text.length - tail)}`;
}
