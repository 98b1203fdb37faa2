import pg from 'pg';
import { readCatalog } from '../../../shared/anonymize/catalog';
import { buildPlan } from '../../../shared/anonymize/plan';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { ConfigError, formatProblem } from '../../../shared/errors';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('buildPlan', () => {
  const name = uniqueName('plan');
  let url: string;

  beforeAll(async () => {
    url = await createDatabase(name);
    await query(url, `
      CREATE TABLE accounts (id int PRIMARY KEY, email varchar(80) NOT NULL UNIQUE, code varchar(3), score int NOT NULL, settings jsonb);
      CREATE TABLE logins (id int PRIMARY KEY, account_email varchar(80) REFERENCES accounts (email), ip inet, at timestamptz);`);
  });
  afterAll(() => dropDatabases(name));

  const plan = async (text: string) => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      return buildPlan(parseRulesText(text, 'rules.yaml'), await readCatalog(client));
    } finally {
      await client.end();
    }
  };

  it('refuses two spellings of one JSON path in a rule, which would be applied one after the other, the last winning', async () => {
    const text = `tables:
  public.accounts:
    columns: { id: keep, email: email, code: keep, score: keep, settings: { strategy: json, paths: { "$.email": email, "$['email']": redact, "$.phones[*]": phone } } }
  public.logins:
    columns: { id: keep, ip: ipAddress, at: keep }
`;
    const result = await plan(text);

    expect(result.problems.map(formatProblem)).toEqual([
      `rules.yaml:3: tables.public.accounts.columns.settings.paths.$['email']: JSON path "$['email']" names the same values as "$.email": keep one rule for them`,
    ]);
  });

  it('names every unclassified column and every dangling rule, with the rules file line', async () => {
    const text = `tables:
  public.accounts:
    columns:
      id: keep
      email: email
      nickname: username
  public.ghosts: truncate
`;
    const result = await plan(text);

    expect(result.unclassified).toEqual(['public.accounts.code', 'public.accounts.score', 'public.accounts.settings', 'public.logins.id', 'public.logins.ip', 'public.logins.at']);
    expect(result.dangling).toEqual(['public.accounts.nickname', 'public.ghosts']);
    const messages = result.problems.map(formatProblem);
    expect(messages).toContain(`rules.yaml:${lineOf(text, 'nickname')}: tables.public.accounts.columns.nickname: column nickname does not exist in table public.accounts`);
    expect(messages).toContain(`rules.yaml:${lineOf(text, 'ghosts')}: tables.public.ghosts: table public.ghosts does not exist in the database`);
    expect(messages.some((message) => message.includes('public.accounts.code (character varying(3)) has no rule'))).toBe(true);
  });

  it('suggests the unclassified table or column a dangling rule most likely meant, and nothing when none is near', async () => {
    const text = `tables:
  public.account:
    columns: { id: keep }
  public.logins:
    columns: { id: keep, IP: keep, at_: keep, account: keep }
`;
    const messages = (await plan(text)).problems.map(formatProblem);

    expect(messages).toContain(`rules.yaml:${lineOf(text, 'account:')}: tables.public.account: table public.account does not exist in the database (did you mean public.accounts, which has no rule?)`);
    expect(messages).toContain(`rules.yaml:${lineOf(text, 'logins:') + 1}: tables.public.logins.columns.IP: column IP does not exist in table public.logins (did you mean ip, which has no rule?)`);
    expect(messages).toContain(`rules.yaml:${lineOf(text, 'logins:') + 1}: tables.public.logins.columns.at_: column at_ does not exist in table public.logins (did you mean at, which has no rule?)`);
    // account_email has a rule-worthy name but is 6 edits away: no hint is better than a wrong one.
    expect(messages).toContain(`rules.yaml:${lineOf(text, 'logins:') + 1}: tables.public.logins.columns.account: column account does not exist in table public.logins`);
  });

  it('rejects strategies that do not fit the column, each at its line', async () => {
    const text = `tables:
  public.accounts:
    columns:
      id: keep
      email: { strategy: dateShift, maxDays: 3 }
      code: email
      score: "null"
      settings: { strategy: json, paths: { "$.contact..email": email } }
  public.logins:
    columns: { id: keep, ip: fullName, at: keep }
`;
    const messages = (await plan(text)).problems.map(formatProblem);

    expect(messages).toEqual(expect.arrayContaining([
      `rules.yaml:${lineOf(text, 'dateShift')}: tables.public.accounts.columns.email: strategy dateShift does not fit column type character varying(80); it applies to date and timestamp columns`,
      `rules.yaml:${lineOf(text, 'code: email')}: tables.public.accounts.columns.code: an email fake needs at least 25 characters but the column is character varying(3)`,
      `rules.yaml:${lineOf(text, 'score:')}: tables.public.accounts.columns.score: strategy null on a NOT NULL column (integer); use a fake or fixed value instead`,
      expect.stringMatching(new RegExp(`^rules.yaml:${lineOf(text, 'contact..email')}: tables.public.accounts.columns.settings.paths.\\$.contact..email: malformed JSON path`)),
      `rules.yaml:${lineOf(text, 'ip: fullName')}: tables.public.logins.columns.ip: strategy fullName does not fit column type inet; it applies to text columns`,
    ]));
  });

  it('rejects a strategy on an integer that only fits text, and a non-injective strategy on a unique column', async () => {
    const text = `tables:
  public.accounts:
    columns: { id: keep, email: redact, code: keep, score: email, settings: keep }
  public.logins:
    columns: { id: keep, ip: keep, at: keep }
`;
    const messages = (await plan(text)).problems.map((problem) => problem.message);

    expect(messages).toEqual(expect.arrayContaining([
      'strategy email does not fit column type integer; it applies to text columns',
      'strategy redact cannot keep the unique column unique; use keep, hash or a fake strategy (email, uuid, ...)',
    ]));
  });

  it('makes a foreign key column follow its referenced column\'s rule without a rule of its own', async () => {
    const text = `tables:
  public.accounts:
    columns: { id: keep, email: email, code: keep, score: keep, settings: keep }
  public.logins:
    columns: { id: keep, ip: ipAddress, at: keep }
`;
    const result = await plan(text);
    const logins = result.tables.find((table) => table.table.qualified === 'public.logins');

    expect(result.problems).toEqual([]);
    expect(logins?.masked.map((column) => [column.column.name, column.rule.strategy, column.follows ?? null])).toEqual([
      ['account_email', 'email', 'public.accounts.email'], ['ip', 'ipAddress', null],
    ]);
    expect(result.units).toHaveLength(1);
    expect(result.units[0]?.foreignKeys.map((entry) => entry.table)).toEqual(['public.logins']);
  });

  it('refuses a rule on a foreign key column that differs from the referenced column\'s', async () => {
    const text = `tables:
  public.accounts:
    columns: { id: keep, email: email, code: keep, score: keep, settings: keep }
  public.logins:
    columns: { id: keep, account_email: hash, ip: keep, at: keep }
`;
    const messages = (await plan(text)).problems.map(formatProblem);

    expect(messages).toEqual([`rules.yaml:${lineOf(text, 'account_email')}: tables.public.logins.columns.account_email: column account_email references public.accounts.email by a foreign key, so it takes that column's rule (email); remove its own rule hash`]);
  });

  it('reports an unknown strategy name with its line before touching the database', () => {
    const text = 'tables:\n  public.accounts:\n    columns:\n      email: emial\n';

    expect(() => parseRulesText(text, 'rules.yaml')).toThrow(ConfigError);
    expect(() => parseRulesText(text, 'rules.yaml')).toThrow(/rules.yaml:4: tables.public.accounts.columns.email(.strategy)?: unknown strategy "emial" \(did you mean email\?\), expected one of keep, null/);
    expect(() => parseRulesText(text.replace('emial', 'FULLNAME'), 'rules.yaml')).toThrow(/unknown strategy "FULLNAME" \(did you mean fullName\?\)/);
    expect(() => parseRulesText(text.replace('emial', 'anonymise'), 'rules.yaml')).toThrow(/unknown strategy "anonymise", expected one of/);
  });

  it.each([
    ['an empty file', '', 'rules.yaml: (top level): the rules are empty: they need tables, each table (schema.table) mapped to truncate or { columns: { <column>: <strategy> } }'],
    ['a misspelt top-level key', 'tabels:\n  public.accounts: truncate\n', 'rules.yaml:1: (top level): unknown key "tabels" (did you mean tables?): rules have tables, mode, batchRows, postgresTables'],
    ['a key given twice', 'tables:\n  public.accounts: truncate\n  public.accounts: truncate\n', 'rules.yaml:3: (top level): not valid YAML: the key public.accounts appears twice in one mapping: keep one'],
    ['two documents', 'tables:\n  public.accounts: truncate\n---\ntables: {}\n', 'rules.yaml:3: (top level): not valid YAML: the file holds more than one YAML document (a line of ---): keep one'],
  ])('says what is wrong with %s, at its line', (_, text, message) => {
    expect(() => parseRulesText(text, 'rules.yaml')).toThrow(message);
  });

  it.each([
    ['an unknown option', '{ strategy: numberNoise, percent: 10 }', 'unknown option "percent" for numberNoise: it takes ratio (the most a number moves, as a share of it: 0.1 by default, at most 1) or by (the most it moves, as an amount)'],
    ['two options that exclude each other', '{ strategy: numberNoise, ratio: 0.1, by: 0.01 }', '.by: numberNoise takes ratio or by, not both'],
    ['an amount of 0', '{ strategy: numberNoise, by: 0 }', '.by: by must be a number above 0 (the most a number moves: 0.01 for a coordinate in degrees, about 1 km)'],
    ['a misspelt option', '{ strategy: fixed, value: 1, vlaue: 2 }', 'unknown option "vlaue" (did you mean value?) for fixed: it takes value (the value every row gets)'],
    ['an option of a strategy that takes none', '{ strategy: email, domain: x.org }', 'unknown option "domain" for a strategy without options: it takes no options (write it as a bare name: email: email)'],
    ['a missing option', '{ strategy: dateShift }', '.maxDays: dateShift needs maxDays: a whole number of days, 1 to 36500'],
    ['an option out of range', '{ strategy: numberNoise, ratio: 2 }', '.ratio: ratio must be a number above 0, at most 1'],
    ['a bare YAML null', 'null', 'no rule here (YAML reads a bare null, ~ or nothing as no value): write a strategy name, or "null" in quotes for the null strategy'],
    ['a number', '5', 'expected a strategy name or { strategy: ... }, got 5'],
  ])('says what a rule with %s should be, at its line', (_, rule, message) => {
    const text = `tables:\n  public.accounts:\n    columns:\n      score: ${rule}\n`;

    expect(() => parseRulesText(text, 'rules.yaml')).toThrow(`rules.yaml:4: tables.public.accounts.columns.score${message.startsWith('.') ? '' : ': '}${message}`);
  });
});
