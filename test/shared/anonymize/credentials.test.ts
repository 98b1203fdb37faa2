import { CREDENTIAL_FORMATS, CREDENTIAL_SQL_PATTERN, credentialIn, credentialKind, credentialKindSql, mayHoldCredentialSql } from '../../../shared/anonymize/credentials';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';

/** One credential of every format, built here so no live-looking secret sits in the source as a literal. */
const hex = (n: number): string => 'a1b2c3d4e5f60718'.repeat(8).slice(0, n);
const alnum = (n: number): string => 'Q7wErTy9UiOp3AsD'.repeat(16).slice(0, n);
const SAMPLES: Readonly<Record<string, string>> = {
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
};
/** Look-alikes that are not live credentials: test keys, hashes, words, too short or glued to a word. */
const NOT_CREDENTIALS = [
  `sk_test_${alnum(24)}`, hex(32), `task-proj-${alnum(30)}`, 'xoxb-short', `AKIA${'IOSFODNN7EXAMPL'}`, `myAKIA${'IOSFODNN7EXAMPLE'}`,
  '-----BEGIN PUBLIC KEY-----', 'ORD-0012345678', 'https://example.org/hooks/123',
];

describe('credentials', () => {
  it('names the service of one credential of every listed format, whole or inside text', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(CREDENTIAL_FORMATS.map((format) => format.name).sort());
    for (const [service, credential] of Object.entries(SAMPLES)) {
      expect(credentialKind(credential)).toBe(service);
      expect(credentialIn(`the ${service} is ${credential}, rotate it`)).toBe(service);
    }
  });

  it('lists for every format plain hints its credentials contain, which SQL tests before the pattern', () => {
    for (const format of CREDENTIAL_FORMATS) expect(format.hints.some((hint) => SAMPLES[format.name]?.includes(hint))).toBe(true);
  });

  it('finds nothing in look-alikes: test keys, hashes, words and partial or glued shapes', () => {
    for (const text of NOT_CREDENTIALS) expect(credentialIn(`value ${text} here`)).toBeUndefined();
  });

  describe('in PostgreSQL', () => {
    const name = uniqueName('creds');
    let url: string;
    beforeAll(async () => { url = await createDatabase(name); });
    afterAll(() => dropDatabases(name));

    it('finds and names the same credentials as the JavaScript patterns, and none of the look-alikes', async () => {
      const texts = [...Object.values(SAMPLES).map((credential) => `token: ${credential}.`), ...NOT_CREDENTIALS.map((text) => `value ${text} here`)];
      const rows = await query<{ t: string; service: string | null }>(url,
        `SELECT t, CASE WHEN ${mayHoldCredentialSql('t')} THEN (SELECT ${credentialKindSql('m[2]')} FROM regexp_matches(t, $2) AS m LIMIT 1) END AS service FROM unnest($1::text[]) AS t`,
        [texts, CREDENTIAL_SQL_PATTERN]);

      expect(rows.map((row) => row.service)).toEqual(texts.map((text) => credentialIn(text) ?? null));
    });
  });
});
