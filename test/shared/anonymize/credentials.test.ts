import { CREDENTIAL_FORMATS, CREDENTIAL_SQL_PATTERN, credentialIn, credentialKind, credentialKindSql, mayHoldCredentialSql } from '../../../shared/anonymize/credentials';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { alnum, CREDENTIAL_SAMPLES, hex } from './fixtures';

const SAMPLES: Readonly<Record<string, string>> = CREDENTIAL_SAMPLES;

/** Look-alikes that are not live credentials: test keys, hashes, words, too short or glued to a word. */
const NOT_CREDENTIALS = [
  `sk_test_${alnum(24)}`, hex(32), `task-proj-${alnum(30)}`, 'xoxb-short', `AKIA${'IOSFODNN7EXAMPL'}`, `myAKIA${'IOSFODNN7EXAMPLE'}`,
  '-----BEGIN PUBLIC KEY-----', 'ORD-0012345678', 'https://example.org/hooks/123', `eyJ${alnum(40)}`, `eyJ${alnum(20)}.${alnum(20)}.${alnum(20)}`,
  'https://ann@example.org/x', 'postgres://app:${DB_PASSWORD}@db/app', 'redis://:****@cache', 'http://example.org:8080/path', 'smtp://<user>:<password>@mail',
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
