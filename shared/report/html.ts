/** Small helpers for building HTML as strings; every piece of data goes through {@link escapeHtml}. */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

/** A table from rows of cells; cells are escaped unless given as `{ html }`. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], className = ''): string {
  const head = headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cellHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export type Cell = string | number | boolean | undefined | null | { readonly html: string };

function cellHtml(cell: Cell): string {
  if (cell === undefined || cell === null) return '';
  if (typeof cell === 'object') return cell.html;
  return escapeHtml(cell);
}

/** A section with a heading and an id for the table of contents. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** A status badge: passed, failed, skipped, not-run. */
export function badge(status: string): { html: string } {
  return { html: `<span class="badge ${escapeHtml(status)}">${escapeHtml(status)}</span>` };
}

/** A muted line saying there is nothing to show, and why. */
export function empty(reason: string): string {
  return `<p class="muted">${escapeHtml(reason)}</p>`;
}

/** Formats milliseconds for people: `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
