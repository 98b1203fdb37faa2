import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, parseYamlDocument } from '../../../shared/config/load';
import { configJsonSchema, configSchema } from '../../../shared/config/schema';
import { ConfigError } from '../../../shared/errors';
import { makeConfigInput } from '../../support/config-factory';

async function writeConfig(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-config-'));
  const file = path.join(dir, 'rehearsal.config.yaml');
  await writeFile(file, text);
  return file;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads a valid file, fills defaults and resolves paths against its folder', async () => {
    const file = await writeConfig(stringify(makeConfigInput()));

    const { config, baseDir } = await loadConfig(file);

    expect(baseDir).toBe(path.dirname(file));
    expect(config.environment).toBe('staging');
    expect(config.maskingKey).toEqual({ env: 'REHEARSAL_MASKING_KEY' });
    expect(config.metrics.namespace).toBe('Rehearsal');
    expect(config.databases.staging.keepSnapshots).toBe(2);
  });

  it('names a misspelt strategy with its file, line, path, the strategy it most likely meant and the strategies expected', async () => {
    const text = stringify(makeConfigInput({ anonymize: { tables: { 'public.users': { columns: { id: 'keep', email: 'emial' } } } } }));
    const file = await writeConfig(text);
    const line = text.split('\n').findIndex((row) => row.includes('email: emial')) + 1;

    await expect(loadConfig(file)).rejects.toThrow(ConfigError);
    const error = (await loadConfig(file).catch((caught: unknown) => caught)) as ConfigError;

    expect(error.problems).toEqual([
      expect.objectContaining({ file, line, path: 'anonymize.tables.public.users.columns.email.strategy' }),
    ]);
    expect(error.message).toContain(`${file}:${line}: anonymize.tables.public.users.columns.email`);
    expect(error.message).toContain('unknown strategy "emial" (did you mean email?), expected one of keep, null, hash');
  });

  it('reports every problem at once, not only the first', () => {
    const input = { ...makeConfigInput(), bot: 'Support Bot', unknownSection: 1, converse: { target: 'not a url', convos: [] } };

    const problems = problemsOf(() => parseYamlDocument(stringify(input), configSchema, { file: 'c.yaml' }));

    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^c\.yaml:\d+: bot: expected lowercase letters/),
      expect.stringMatching(/^c\.yaml:\d+: \(top level\): Unrecognized key: "unknownSection"/),
      expect.stringMatching(/^c\.yaml:\d+: converse\.target: /),
      expect.stringMatching(/^c\.yaml:\d+: converse\.convos: /),
    ]));
  });

  it('refuses staging pointing at the production database', () => {
    const same = 'postgres://u:p@db:5432/support';
    const input = makeConfigInput({ databases: { production: { url: same }, staging: { url: same } } });

    const problems = problemsOf(() => parseYamlDocument(stringify(input), configSchema));

    expect(problems).toEqual([expect.stringContaining('databases.staging.url: staging names the same database as production')]);
  });

  it('replaces ${env:NAME} and names a variable that is not set instead of using an empty value', () => {
    const input = makeConfigInput({ databases: {
      production: { url: 'postgres://u:${env:PROD_PW}@db/support' },
      staging: { url: 'postgres://u:${env:STAGING_PW}@db/support_staging' },
    } });
    const text = stringify(input);

    const parsed = parseYamlDocument(text, configSchema, { env: { PROD_PW: 'a', STAGING_PW: 'b' } });
    const problems = problemsOf(() => parseYamlDocument(text, configSchema, { file: 'c.yaml', env: { PROD_PW: 'a' } }));

    expect(parsed.databases.production).toMatchObject({ url: 'postgres://u:a@db/support' });
    expect(problems).toEqual([expect.stringMatching(/^c\.yaml:\d+: databases\.staging\.url: environment variable STAGING_PW is not set/)]);
  });

  it('says a YAML syntax error is one, with its line', () => {
    const problems = problemsOf(() => parseYamlDocument('bot: a\n  bad: [indent\n', configSchema, { file: 'c.yaml' }));

    expect(problems[0]).toMatch(/^c\.yaml:\d+: \(top level\): not valid YAML/);
  });

  it('names a file it cannot read', async () => {
    await expect(loadConfig('/nonexistent/rehearsal.config.yaml')).rejects.toThrow(/cannot read the config file \(ENOENT\)/);
  });
});

describe('configJsonSchema', () => {
  it('describes every top-level section for editors', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; required: string[] };

    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['bot', 'databases', 'anonymize', 'parity', 'converse', 'load', 'metrics']));
    expect(schema.required).toEqual(expect.arrayContaining(['bot', 'databases', 'anonymize']));
  });
});
