/**
 * Returns a connection URL safe to print: the password is replaced by `***`.
 * Anything that does not parse as a URL is replaced whole, since it may hold a secret.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
