/**
 * TLS settings of connection URLs. The pg driver (8.x) checks the server's certificate for every
 * `sslmode` but `disable` and `no-verify`: `prefer`, `require` and `verify-ca` act as `verify-full`,
 * and say so in a multi-line SECURITY WARNING on stderr ahead of any real error. Rehearsal keeps that
 * strict behaviour, spells it `verify-full` so the warning does not bury the message that matters, and
 * explains a refused certificate.
 */

/** The modes pg 8 reads as `verify-full` with a deprecation warning, unless `uselibpqcompat=true`. */
const VERIFY_FULL_ALIASES = new Set(['prefer', 'require', 'verify-ca']);

/**
 * The URL with `sslmode` prefer, require or verify-ca written as `verify-full`, which is how pg 8 reads
 * them (so nothing about the connection changes). Other URLs, and those asking for libpq's semantics
 * with `uselibpqcompat=true`, are returned as they are, as is anything that does not parse as a URL.
 */
export function withExplicitSslMode(connectionString: string): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return connectionString;
  }
  const mode = url.searchParams.get('sslmode');
  if (mode === null || !VERIFY_FULL_ALIASES.has(mode) || url.searchParams.get('uselibpqcompat') === 'true') return connectionString;
  url.searchParams.set('sslmode', 'verify-full');
  return url.toString();
}

/** Node's codes for a server certificate it could not trust or that names another host. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What to do about a connection refused for its server's certificate, or '' for any other failure:
 * the check is on for every sslmode but disable and no-verify, and the CA goes in `sslrootcert`.
 */
export function certificateHint(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !CERTIFICATE_CODES.has(code)) return '';
  return '; the server\'s certificate is checked for every sslmode but disable and no-verify (prefer and require act as verify-full):'
    + ' give its CA with sslrootcert=FILE in the URL or NODE_EXTRA_CA_CERTS=FILE'
    + ' (RDS and Aurora: https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)';
}
