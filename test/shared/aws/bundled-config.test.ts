import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { bundledConfigFiles, writeBundledConfig } from '../../../infra/pipeline/bundled-config-files';
import { rulesOfConfig } from '../../../shared/anonymize/rule-problems';
import { BUNDLED_CONFIG_FILE, BUNDLED_CONFIG_LINES_FILE, readBundledConfig } from '../../../shared/aws/bundled-config';
import { loadConfig } from '../../../shared/config/load';
import { LocalDatabaseProvider } from '../../../shared/db/local-provider';
import { ConfigError } from '../../../shared/errors';
import { runAnonymize } from '../../../shared/pipeline/phases/anonymize';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../../support/postgres';
import { makeRunContext } from '../../support/run-context';
import { awsConfigInput } from './factories';

const created: string[] = [];
afterAll(async () => dropDatabases(...created));

/** An AWS config file whose rules name `phone` (missing from the database) and leave `nickname` without a rule. */
function configYaml(): string {
  return stringify(awsConfigInput()).replace(
    /^anonymize:\n(?:\s.*\n)+/m,
    ['anonymize:', '  tables:', '    public.users:', '      columns:', '        id: keep', '        email: email', '        phone: phone', ''].join('\n'),
  );
}

/** The 1-based line of the first line of `text` equal to `content`. */
function lineOf(text: string, content: string): number {
  const index = text.split('\n').indexOf(content);
  if (index < 0) throw new Error(`no line ${content}`);
  return index + 1;
}

/** What synth puts in a function's bundle, as the Lambda's task root: the config JSON and its line map. */
async function bundledTaskRoot(text: string): Promise<{ taskRoot: string; yamlFile: string }> {
  const yamlFile = writeYaml(text);
  const { config } = await loadConfig(yamlFile, {});
  const taskRoot = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-task-'));
  for (const { from, to } of bundledConfigFiles(writeBundledConfig(config, yamlFile))) copyFileSync(from, path.join(taskRoot, to));
  return { taskRoot, yamlFile };
}

describe('the bundled config in a Lambda (readBundledConfig)', () => {
  it("gives the anonymize phase's rule problems the YAML file's name and lines, as the local runner does", async () => {
    // Prepare: a candidate with a column the rules miss; the config as a Lambda reads it.
    const text = configYaml();
    const { taskRoot } = await bundledTaskRoot(text);
    const name = uniqueName('bundled_cfg');
    created.push(name);
    const url = await createDatabase(name);
    await query(url, 'CREATE TABLE public.users (id integer PRIMARY KEY, email text, nickname text)');
    const config = readBundledConfig(taskRoot);
    const provider = new LocalDatabaseProvider({ productionUrl: serverUrl('support_prod_never'), stagingUrl: serverUrl(`${name}_staging`), keepPrevious: false });
    const ctx = { ...makeRunContext(provider, { config, state: { candidate: { id: name, database: name } } }), results: [] };

    // Act
    const result = await runAnonymize(ctx);

    // Assert
    if (result.status === 'pending') throw new Error('unexpected pending');
    expect(result.status).toBe('failed');
    expect(result.summary.split('\n')).toEqual([
      '1 column(s) without a rule, 1 rule(s) without a column; nothing was changed:',
      `rehearsal.config.yaml:${lineOf(text, '        phone: phone')}: anonymize.tables.public.users.columns.phone: column phone does not exist in table public.users`,
      `rehearsal.config.yaml:${lineOf(text, '    public.users:')}: anonymize.tables.public.users.columns.nickname: column public.users.nickname (text) has no rule: every column must be classified (use keep for data that is not personal)`,
      'Suggested rules for the columns without one, as rules suggest writes them from names and sampled values (review each, then add it under its table in anonymize.tables of rehearsal.config.yaml):',
      '  public.users:',
      '    columns:',
      '      nickname: username  # column name "nickname"',
    ]);
  });

  it('names the YAML line of a problem in the bundled config itself', async () => {
    const text = configYaml();
    const { taskRoot } = await bundledTaskRoot(text);
    const broken = JSON.parse(readFileSync(path.join(taskRoot, BUNDLED_CONFIG_FILE), 'utf8')) as { bot: unknown };
    broken.bot = 7;
    writeFileSync(path.join(taskRoot, BUNDLED_CONFIG_FILE), JSON.stringify(broken));

    const error = (() => { try { return readBundledConfig(taskRoot); } catch (caught) { return caught; } })();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(new RegExp(`^rehearsal\\.config\\.yaml:${lineOf(text, 'bot: support-bot')}: bot: `));
  });

  it('names the path only when the function was bundled without a line map (a config object given to the construct)', async () => {
    const taskRoot = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-task-'));
    const { config: loaded } = await loadConfig(writeYaml(configYaml()), {});
    copyFileSync(writeBundledConfig(loaded), path.join(taskRoot, BUNDLED_CONFIG_FILE));

    const config = readBundledConfig(taskRoot);

    expect(rulesOfConfig(config)).toEqual({ rules: config.anonymize, prefix: ['anonymize'] });
  });

  it('refuses a malformed line map, naming the file and what to do', async () => {
    const { taskRoot } = await bundledTaskRoot(configYaml());
    writeFileSync(path.join(taskRoot, BUNDLED_CONFIG_LINES_FILE), JSON.stringify({ file: 'rehearsal.config.yaml', lines: { line: 'one' } }));

    expect(() => readBundledConfig(taskRoot)).toThrow(`${path.join(taskRoot, BUNDLED_CONFIG_LINES_FILE)}: lines.line: Invalid input: expected number, received string (the line map is written at synth; redeploy with npx cdk deploy)`);
  });
});

function writeYaml(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-yaml-')), 'rehearsal.config.yaml');
  writeFileSync(file, text);
  return file;
}
