import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { rulesOfConfig } from '../../../../shared/anonymize/rules-source';
import { loadConfig, parseYamlDocument } from '../../../../shared/config/load';
import { configSchema } from '../../../../shared/config/schema';
import { LocalDatabaseProvider } from '../../../../shared/db/local-provider';
import { ConfigError } from '../../../../shared/errors';
import { runAnonymize } from '../../../../shared/pipeline/phases/anonymize';
import { makeConfigInput } from '../../../support/config-factory';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../../../support/postgres';
import { makeRunContext } from '../../../support/run-context';

/** The config file's lines up to `anonymize:`; the rules follow from line 6. */
const HEAD = [
  'bot: support-bot',
  'databases:',
  '  production: { url: "postgres://u:p@127.0.0.1:5432/support" }',
  '  staging: { url: "postgres://u:p@127.0.0.1:5432/support_staging" }',
  'anonymize:',
];

const created: string[] = [];
afterAll(async () => dropDatabases(...created));

/** A candidate database with `schema`, and a context whose config was loaded from a file holding `rules` under `anonymize:`. */
async function setUp(schema: string, rules: readonly string[]) {
  const name = uniqueName('anon_phase');
  created.push(name);
  const url = await createDatabase(name);
  await query(url, schema);
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'anonymize-phase-')), 'rehearsal.config.yaml');
  await writeFile(file, [...HEAD, ...rules, ''].join('\n'));
  const { config } = await loadConfig(file, {});
  const provider = new LocalDatabaseProvider({ productionUrl: serverUrl('support_prod_never'), stagingUrl: serverUrl(`${name}_staging`), keepPrevious: false });
  const ctx = { ...makeRunContext(provider, { config, state: { candidate: { id: name, database: name } } }), results: [] };
  return { ctx, file, url };
}

describe("the anonymize phase names the config file's line of each rule problem", () => {
  it("gives the line of a rule naming a missing table or column, and the table's line for a column without a rule", async () => {
    // Prepare
    const { ctx, file, url } = await setUp('CREATE TABLE public.users (id integer PRIMARY KEY, email text, nickname text)', [
      '  tables:', //                  line 6
      '    public.users:', //          line 7
      '      columns:', //             line 8
      '        id: keep', //           line 9
      '        email: email', //       line 10
      '        phone: phone', //       line 11
      '    public.ghosts: truncate', // line 12
    ]);
    await query(url, "INSERT INTO public.users VALUES (1, 'ada@real.example', 'ada')");

    // Act
    const result = await runAnonymize(ctx);

    // Assert
    expect(result.status).toBe('failed');
    if (result.status === 'pending') throw new Error('unexpected pending');
    expect(result.summary.split('\n')).toEqual([
      '1 column(s) without a rule, 2 rule(s) without a column; nothing was changed:',
      `${file}:11: anonymize.tables.public.users.columns.phone: column phone does not exist in table public.users`,
      `${file}:12: anonymize.tables.public.ghosts: table public.ghosts does not exist in the database`,
      `${file}:7: anonymize.tables.public.users.columns.nickname: column public.users.nickname (text) has no rule: every column must be classified (use keep for data that is not personal)`,
      // What to add, as rules suggest would write it: on-call reviews it instead of writing it.
      `Suggested rules for the columns without one, as rules suggest writes them from names and sampled values (review each, then add it under its table in anonymize.tables of ${file}):`,
      '  public.users:',
      '    columns:',
      '      nickname: username  # column name "nickname"',
    ]);
    expect(result.details).toMatchObject({ unclassified: ['public.users.nickname'], suggestedRules: '  public.users:\n    columns:\n      nickname: username  # column name "nickname"\n' });
    expect(await query(url, 'SELECT email FROM public.users')).toEqual([{ email: 'ada@real.example' }]);
  });

  it('gives the line of a strategy unfit for its column, null on NOT NULL, a fake too long for varchar(n) and a malformed JSON path', async () => {
    // Prepare
    const { ctx, file } = await setUp('CREATE TABLE public.accounts (id integer PRIMARY KEY, age integer, code varchar(3), nick text NOT NULL, prefs jsonb)', [
      '  tables:', //                                             line 6
      '    public.accounts:', //                                  line 7
      '      columns:', //                                        line 8
      '        id: keep', //                                      line 9
      '        age: email', //                                    line 10
      '        code: email', //                                   line 11
      "        nick: 'null'", //                                  line 12
      '        prefs:', //                                        line 13
      '          strategy: json', //                              line 14
      '          paths:', //                                      line 15
      '            "$.contact.email": email', //                  line 16
      '            "$.phones[": phone', //                        line 17
    ]);

    // Act
    const error = await runAnonymize(ctx).catch((caught: unknown) => caught);

    // Assert: every problem at once, each at its rule's line.
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      `${file}:10: anonymize.tables.public.accounts.columns.age: strategy email does not fit column type integer; it applies to text columns`,
      `${file}:11: anonymize.tables.public.accounts.columns.code: an email fake needs at least 25 characters but the column is character varying(3)`,
      `${file}:12: anonymize.tables.public.accounts.columns.nick: strategy null on a NOT NULL column (text); use a fake or fixed value instead`,
      `${file}:17: anonymize.tables.public.accounts.columns.prefs.paths.$.phones[: malformed JSON path "$.phones[": expected [*], [n] or ['key'] at character 9`,
    ]);
  });

  it('gives the line of a fixed value too long for varchar(n), which a cast would cut without a word', async () => {
    // Prepare
    const { ctx, file, url } = await setUp('CREATE TABLE public.accounts (id integer PRIMARY KEY, code varchar(3))', [
      '  tables:', //                                             line 6
      '    public.accounts:', //                                  line 7
      '      columns:', //                                        line 8
      '        id: keep', //                                      line 9
      '        code: { strategy: fixed, value: "ABCDEF" }', //    line 10
    ]);
    await query(url, "INSERT INTO public.accounts VALUES (1, 'XYZ')");

    // Act
    const error = await runAnonymize(ctx).catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      `${file}:10: anonymize.tables.public.accounts.columns.code: fixed value "ABCDEF" has 6 characters but the column is character varying(3), which would cut it`);
    expect(await query(url, 'SELECT code FROM public.accounts')).toEqual([{ code: 'XYZ' }]);
  });

  it('gives the line of a fixed value its column\'s type refuses, before anything changes', async () => {
    // Prepare
    const { ctx, file, url } = await setUp('CREATE TABLE public.accounts (id integer PRIMARY KEY, age integer, born date)', [
      '  tables:', //                                             line 6
      '    public.accounts:', //                                  line 7
      '      columns:', //                                        line 8
      '        id: keep', //                                      line 9
      '        age: { strategy: fixed, value: "abc" }', //        line 10
      '        born: { strategy: fixed, value: "not-a-date" }', // line 11
    ]);
    await query(url, "INSERT INTO public.accounts VALUES (1, 42, '1990-01-01')");

    // Act
    const error = await runAnonymize(ctx).catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual(expect.arrayContaining([
      `${file}:10: anonymize.tables.public.accounts.columns.age: the rule does not apply to integer: invalid input syntax for type integer: "abc"`,
      `${file}:11: anonymize.tables.public.accounts.columns.born: the rule does not apply to date: invalid input syntax for type date: "not-a-date"`,
    ]));
    expect(await query(url, 'SELECT age FROM public.accounts')).toEqual([{ age: 42 }]);
  });

  it('names only the path when the config did not come from a file (a bundled JSON config)', () => {
    const config = parseYamlDocument(stringify(makeConfigInput()), configSchema);

    expect(rulesOfConfig(config)).toEqual({ rules: config.anonymize, prefix: ['anonymize'] });
  });
});
