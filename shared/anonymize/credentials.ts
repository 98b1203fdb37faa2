import { quoteLiteral } from '../db/client';

/**
 * Live credentials of well-known services, recognised by their documented shape (a fixed prefix and
 * a length): a production database often keeps a bot's or a customer's integration tokens (a Slack
 * bot token, a WhatsApp access token, a Stripe key) in ordinary columns. Copied into staging, they
 * let the staging bot act in production's channels and accounts. `rules suggest` proposes masking the
 * columns and JSON paths that hold them, `scrubText` removes them from free text, and verify fails on
 * any left. Only shapes that ordinary text does not take are listed (no bare hex or base64 runs: they
 * would flag every hash), so a finding is a credential.
 *
 * Each pattern is written in the syntax JavaScript and PostgreSQL's regular expressions share
 * (character classes, counts, `(?:…)`), with no anchors or boundaries: those are added per engine.
 */
export interface CredentialFormat {
  /** The service, as findings and suggestions name it. */
  readonly name: string;
  readonly pattern: string;
  /** Plain strings every credential of the format contains: SQL tests them first (see {@link mayHoldCredentialSql}). */
  readonly hints: readonly string[];
}

export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = [
  { name: 'Slack token', pattern: 'xox[abposr]-[0-9A-Za-z-]{10,}', hints: ['xox'] },
  { name: 'Slack webhook', pattern: 'hooks\\.slack\\.com/services/T[0-9A-Za-z]+/B[0-9A-Za-z]+/[0-9A-Za-z]{16,}', hints: ['hooks.slack.com/'] },
  { name: 'Stripe secret key', pattern: '[rs]k_live_[0-9A-Za-z]{16,}', hints: ['k_live_'] },
  { name: 'Stripe webhook secret', pattern: 'whsec_[0-9A-Za-z+/]{24,}', hints: ['whsec_'] },
  { name: 'GitHub token', pattern: '(?:gh[oprsu]_[0-9A-Za-z]{36,}|github_pat_[0-9A-Za-z_]{60,})', hints: ['gho_', 'ghp_', 'ghr_', 'ghs_', 'ghu_', 'github_pat_'] },
  { name: 'AWS access key', pattern: '(?:AKIA|ASIA)[0-9A-Z]{16}', hints: ['AKIA', 'ASIA'] },
  { name: 'Google API key', pattern: 'AIza[0-9A-Za-z_-]{35}', hints: ['AIza'] },
  { name: 'SendGrid key', pattern: 'SG\\.[0-9A-Za-z_-]{22}\\.[0-9A-Za-z_-]{43}', hints: ['SG.'] },
  { name: 'Telegram bot token', pattern: '[0-9]{8,10}:AA[0-9A-Za-z_-]{33}', hints: [':AA'] },
  { name: 'OpenAI or Anthropic key', pattern: 'sk-(?:proj|svcacct|ant)-[0-9A-Za-z_-]{20,}', hints: ['sk-'] },
  { name: 'Meta (WhatsApp, Messenger) access token', pattern: 'EAA[0-9A-Za-z]{100,}', hints: ['EAA'] },
  { name: 'Shopify token', pattern: 'shp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}', hints: ['shp'] },
  { name: 'npm token', pattern: 'npm_[0-9A-Za-z]{36}', hints: ['npm_'] },
  { name: 'private key', pattern: '-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----', hints: ['PRIVATE KEY'] },
  // A URL carrying its password (a database URL, a webhook behind basic auth): `postgres://app:<password>@db`.
  // Not a placeholder (`${DB_PASSWORD}`, `<password>`, `{{…}}`) nor a masked one (`****`).
  { name: 'password in a URL', pattern: '[A-Za-z][A-Za-z0-9+.-]*://[^\\s:/@]*:[^\\s/@$<{*][^\\s/@]*@[A-Za-z0-9.-]+', hints: ['://'] },
  // A signed token (JWS): header and claims are base64url JSON, so both start `eyJ` (`{"`). Its claims
  // name the person (email, name, user id) and, until it expires, it opens their session in production.
  { name: 'JSON Web Token', pattern: 'eyJ[0-9A-Za-z_-]{8,}\\.eyJ[0-9A-Za-z_-]{8,}\\.[0-9A-Za-z_-]*', hints: ['eyJ'] },
];

const ANY_CREDENTIAL = CREDENTIAL_FORMATS.map((format) => format.pattern).join('|');

/**
 * PostgreSQL pattern (ARE) of any credential: capture 1 is what precedes it (start of text, or a
 * character that cannot be part of it), capture 2 the credential. A preceding character instead of
 * a look-behind: PostgreSQL runs look-behinds many times slower.
 */
export const CREDENTIAL_SQL_PATTERN = `(^|[^0-9A-Za-z_])(${ANY_CREDENTIAL})`;

/** What `scrubText` writes in place of a credential: no digit, no `@`, nothing any detector reads. */
export const CREDENTIAL_REPLACEMENT = '[redacted credential]';

const CREDENTIAL_IN_TEXT = new RegExp(`(?<![0-9A-Za-z_])(?:${ANY_CREDENTIAL})`);
const WHOLE = CREDENTIAL_FORMATS.map((format) => ({ name: format.name, whole: new RegExp(`^(?:${format.pattern})$`) }));

/** The service whose credential `text` holds somewhere, if any (`Slack token`). */
export function credentialIn(text: string): string | undefined {
  const found = CREDENTIAL_IN_TEXT.exec(text);
  return found ? credentialKind(found[0]) : undefined;
}

/** The service a credential found by {@link CREDENTIAL_SQL_PATTERN} or {@link credentialIn} belongs to. */
export function credentialKind(credential: string): string | undefined {
  return WHOLE.find((format) => format.whole.test(credential))?.name;
}

/**
 * SQL that is false when the text `value` (an SQL expression) cannot hold a credential: no format's
 * hint is in it. PostgreSQL takes 16 µs to test the full pattern against a sentence (its counted
 * repetitions make a large automaton) and about 1.5 µs for these plain searches, so the pattern runs
 * only on the rare text that passes them.
 */
export function mayHoldCredentialSql(value: string): string {
  return `(${CREDENTIAL_FORMATS.flatMap((format) => format.hints).map((hint) => `strpos(${value}, '${hint}') > 0`).join(' OR ')})`;
}

/**
 * A PL/pgSQL statement replacing each credential in the text variable `variable` with
 * {@link CREDENTIAL_REPLACEMENT} (what precedes it kept), the pattern run only where
 * {@link mayHoldCredentialSql} lets it.
 */
export function credentialsReplacedSql(variable: string): string {
  const pattern = quoteLiteral(CREDENTIAL_SQL_PATTERN);
  return `IF ${mayHoldCredentialSql(variable)} AND ${variable} ~ ${pattern} THEN ${variable} := regexp_replace(${variable}, ${pattern}, ${quoteLiteral(`\\1${CREDENTIAL_REPLACEMENT}`)}, 'g'); END IF;`;
}

/** SQL (`CASE`) naming the service of the credential `token` (an SQL expression), as {@link credentialKind} does. */
export function credentialKindSql(token: string): string {
  const cases = CREDENTIAL_FORMATS.map((format) => `WHEN ${token} ~ '^(?:${format.pattern})$' THEN '${format.name}'`);
  return `CASE ${cases.join(' ')} END`;
}
