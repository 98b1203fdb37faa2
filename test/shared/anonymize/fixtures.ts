import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import type { RulesSource } from '../../../shared/anonymize/rules-source';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../../support/postgres';
import { DEMO_RULES_YAML } from '../../../shared/demo/rules';

/** The masking key tests use; another one to show outputs depend on the key. */
export const KEY = Buffer.from('test-masking-key-0123456789');
export const OTHER_KEY = Buffer.from('another-masking-key-987654');

/** Small demo data: personal values that must never survive, as the demo generator makes them. */
export const ORIGINALS = {
  emails: ['ann.smith@gmail.com', 'bob.jones@corp.io', 'cara.lee@mail.fr'],
  names: ['Annabel Smithers', 'Roberto Jonasson', 'Cara Leeward'],
  phones: ['+44 7700 900123', '07700 900456', '+33 6 12 34 56 78'],
} as const;

/**
 * Texts quoting a card, phone number or IPv4 address written against other digits (so the run of
 * digits as a whole is none of them, or the run starts after them: a time's minutes),
 * with that part and the mask function giving its fake.
 */
export const WRITTEN_AGAINST_DIGITS: readonly (readonly [text: string, part: string, fake: 'card' | 'phone' | 'ip'])[] = [
  ['4539 1488 0343 6467 12/27 124', '4539 1488 0343 6467', 'card'], // card, expiry, CVV
  ['card 4539 1488 0343 6467 124', '4539 1488 0343 6467', 'card'], // card, then CVV
  ['2 4539148803436467 ordered', '4539148803436467', 'card'], // a count, then a card
  ['3 4539 1488 0343 6467 12/27', '4539 1488 0343 6467', 'card'], // a count, a card and its expiry month
  ['ticket 4521 - +44 7700 912345: hi', '+44 7700 912345', 'phone'], // a number, then a phone
  ['call me at 10:30 07700 912345', '07700 912345', 'phone'], // a time, then a phone
  ['15 - (+44) 7700 912345', '+44) 7700 912345', 'phone'],
  ['+44 7700 912345 12345', '+44 7700 912345', 'phone'], // a phone, then a number
  ['from 8.8.8.8 12 times', '8.8.8.8', 'ip'],
];

/** Texts whose digits are no PII: timestamps, dates, order numbers, prices, versions, chat ids, IBANs that do not validate, UUIDs. */
export const DIGITS_NO_PII: readonly string[] = [
  '2026-11-27 21:29:14', 'at 21:29:14.0123456', '2026-11-27 21:29:14.012345678 +0000 UTC', '27.11.2026 21:29', '15/11/2026, 21:29 - Ann: hi', 'on 01.02.2024',
  'order ORD-0012345678', 'Order #12345 - 0012345678', 'orders 12345678 23456789 34567890', 'total $12.50, 3 x 4.99 = 14.97', '1.299,00 EUR',
  // Order numbers in one run whose last two make 16 Luhn-valid digits from 2: no card is written 8-8.
  'orders 10110866 21466206 30216790',
  'v1.2.3', 'version 10.0.19041.1 2', 'app 2.14.3 build 20261127', '1.2.3.4.5 6',
  'user 1187398471230988298 joined', 'chat -1001234567890', 'from 5012345678 at 1732742954', 'Body=ref+1234+5678+90123',
  // Years in a row, their 16 digits Luhn-valid (no card network starts with 20).
  'seasons 2002 2003 2004 2005', 'seasons 2001 2002 2003 2004 2005',
  // A fake's check digits 00, with card-shaped digits inside (the whole run, then its first 16).
  'IBAN DE00 4539 1488 0343 6467 00', 'IBAN DE00 4539 1488 0343 6467 01', 'IBAN GB00 WEST 1234 5698 7654 32',
  'id 123e4567-e89b-12d3-a456-426614174000', 'rooms 101 102 103 104 105 106',
];

/** Strings of hex digits and of letters and digits, `n` long, for building credential-shaped test values. */
export const hex = (n: number): string => 'a1b2c3d4e5f60718'.repeat(8).slice(0, n);
export const alnum = (n: number): string => 'Q7wErTy9UiOp3AsD'.repeat(16).slice(0, n);
/** Text or bytes in base64, as API Gateway hands a Lambda a body (`isBase64Encoded`). */
export const base64Of = (data: string | Buffer): string => Buffer.from(data).toString('base64');
/** A SHA-256 digest in hex (of `test`): in base64 or as it is, a run of base64's alphabet that is no text. */
export const DIGEST_HEX = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
/** One credential of every format credentials.ts knows, built here so no live-looking secret sits in the source as a literal. */
export const CREDENTIAL_SAMPLES = {
  'Slack token': `xoxb-1234567890-0987654321-${alnum(24)}`,
  'Slack webhook': `hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/${alnum(24)}`,
  'Stripe secret key': `sk_${'live'}_${alnum(24)}`,
  'Stripe webhook secret': `whsec_${alnum(32)}`,
  'GitHub token': `ghp_${alnum(36)}`,
  'AWS access key': `AKIA${'IOSFODNN7EXAMPLE'}`,
  'Google API key': `AIza${alnum(35)}`,
  'SendGrid key': `SG.${alnum(22)}.${alnum(43)}`,
  'Telegram bot token': `123456789:AA${alnum(33)}`,
  'OpenAI or Anthropic key': `sk-proj-${alnum(40)}`,
  'Meta (WhatsApp, Messenger) access token': `EAAG${alnum(120)}`,
  'Shopify token': `shpat_${hex(32)}`,
  'npm token': `npm_${alnum(36)}`,
  'private key': '-----BEGIN RSA PRIVATE KEY-----',
  'password in a URL': `postgres://billing:${alnum(20)}@db.internal.example`,
  'JSON Web Token': `eyJ${alnum(20)}.eyJ${alnum(60)}.${alnum(43)}`,
} as const;

/** Creates a database with the demo schema and three users, orders, a conversation and messages quoting them. */
export async function createDemoDatabase(prefix = 'anon'): Promise<{ name: string; url: string }> {
  const name = uniqueName(prefix);
  const url = await createDatabase(name);
  // A copy, as rehearsal's restore marks its candidates.
  await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate'`);
  await query(url, await readFile(path.join(__dirname, '../../../shared/demo/schema.sql'), 'utf8'));
  const { emails, names, phones } = ORIGINALS;
  await query(url, `INSERT INTO users VALUES
    (1, $1, $4, $7, 'en-GB', '2026-01-01'), (2, $2, $5, $8, 'en-GB', '2026-01-02'), (3, $3, $6, $9, 'fr-FR', '2026-01-03')`,
  [...emails, ...names, ...phones]);
  await query(url, `INSERT INTO orders VALUES (1, 1, 'ORD-100001', 'placed', 1250, '2026-02-01'), (2, 2, 'ORD-100002', 'shipped', 990, '2026-02-02')`);
  await query(url, `INSERT INTO conversations VALUES (1, 1, 'web', '2026-02-03'), (2, 3, 'app', '2026-02-04')`);
  await query(url, `INSERT INTO messages VALUES
    (1, 1, 'user', 'Hi, my email is ' || $1 || ' and my phone ' || $2 || ', order ORD-100001', '2026-02-03'),
    (2, 1, 'bot', 'Thanks! I found order ORD-100001 for ' || upper($1) || '.', '2026-02-03'),
    (3, 2, 'user', 'Call me on ' || $3 || ' or write to ' || $4, '2026-02-04'),
    (4, 2, 'user', 'This is ' || $5 || ' speaking. ' || split_part($5, ' ', 1) || ' again, no digits here', '2026-02-04')`,
  [emails[0], phones[0], phones[2], emails[2], names[1]]);
  return { name, url };
}

/** Rules covering the demo schema exactly. */
export const DEMO_RULES = DEMO_RULES_YAML;

export function demoRules(text = DEMO_RULES): RulesSource {
  return parseRulesText(text, 'rules.yaml');
}

/** Every text value of every user table, for tests that search for originals themselves. */
export async function allText(url: string): Promise<string> {
  const rows = await query<{ t: string }>(url, `SELECT string_agg(x::text, ' ') AS t FROM (
    SELECT u::text AS x FROM users u UNION ALL SELECT o::text FROM orders o UNION ALL SELECT c::text FROM conversations c UNION ALL SELECT m::text FROM messages m) q`);
  return rows[0]?.t ?? '';
}

/**
 * Creates a login role that is neither superuser nor owner of the database's tables, allowed to read,
 * update and create schemas there, as a masking role on a managed server can be; returns its name and
 * URL. Roles are server-wide: drop them with {@link dropRoles}.
 */
export async function createMaskerRole(db: { name: string; url: string }): Promise<{ role: string; url: string }> {
  const role = uniqueName('masker');
  await query(serverUrl(), `CREATE ROLE ${role} LOGIN PASSWORD 'masker-password'`);
  await query(db.url, `GRANT CREATE ON DATABASE "${db.name}" TO ${role}; GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO ${role}`);
  const url = new URL(db.url);
  url.username = role;
  url.password = 'masker-password';
  return { role, url: url.toString() };
}

/** Drops roles made by {@link createMaskerRole}. */
async function dropRoles(roles: readonly string[]): Promise<void> {
  for (const role of roles) await query(serverUrl(), `DROP ROLE IF EXISTS ${role}`);
}

/**
 * For one test file: makes demo databases ({@link createDemoDatabase}) and masking roles on them
 * ({@link createMaskerRole}), and drops them all after the file's tests.
 */
export function demoDatabasesOfFile(prefix: string): {
  demo: () => Promise<{ name: string; url: string }>;
  masker: (db: { name: string; url: string }) => Promise<{ role: string; url: string }>;
} {
  const created: string[] = [];
  const roles: string[] = [];
  afterAll(async () => {
    await dropDatabases(...created);
    await dropRoles(roles);
  });
  return {
    demo: async () => {
      const db = await createDemoDatabase(prefix);
      created.push(db.name);
      return db;
    },
    masker: async (db) => {
      const masker = await createMaskerRole(db);
      roles.push(masker.role);
      return masker;
    },
  };
}
