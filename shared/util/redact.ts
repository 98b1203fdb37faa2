/** Query parameters of a connection URL that may carry a secret (libpq's `password` and `sslpassword`, and any named like one). */
const SECRET_PARAMETER = /pass|secret|token|key$/i;

/**
 * Returns a connection URL safe to print: the password is replaced by `***`, in the user part and in
 * any query parameter that carries one (`?password=`, `?sslpassword=`).
 * Anything that does not parse as a `postgres:` URL is replaced whole, since it may hold a secret.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // `app:secret@db` parses as a URL of scheme `app:` whose path is the rest: not a connection URL.
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) return '<unparseable url>';
    if (parsed.password !== '') parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
