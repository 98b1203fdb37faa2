import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { stagePhaseFiles } from '../../infra/pipeline/convo-bundle-phases';
import { BASE_DIR_ENV } from '../../shared/aws/bundled-config';
import { configSchema, type Config } from '../../shared/config/schema';
import { ConfigError } from '../../shared/errors';
import { paritySources } from '../../shared/parity/sources';
import { awsConfigInput } from '../shared/aws/factories';
import { awsSuiteConfigText, SUITE_FILES, writeConvoSuite } from '../shared/converse/support/convo-suite';
import { writeTree } from '../shared/converse/support/files';
import { synthStack } from './synth';

const NO_AWS = { ssm: () => { throw new Error('no AWS'); }, secretsManager: () => { throw new Error('no AWS'); }, lambda: () => { throw new Error('no AWS'); } };

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  }).sort();
}

/** A config under bot/ naming parity files (one beside it, one under ../shared), plus `extra` top-level keys. */
async function writeParitySuite(extra: Record<string, unknown> = {}, parity: Record<string, unknown> = {}): Promise<{ root: string; configFile: string; config: Config; text: string }> {
  const text = stringify({
    ...awsConfigInput(),
    parity: { production: { envFile: 'env/production.env' }, staging: { jsonFile: '../shared/staging.json' }, policy: { keys: { 'DB_*': 'copy', API_KEY: 'mustDiffer' } }, ...parity },
    ...extra,
  });
  const root = await writeTree({
    'bot/rehearsal.config.yaml': text,
    'bot/env/production.env': 'DB_HOST=prod.internal\nAPI_KEY=prod-key-fixture\n',
    'bot/env/unrelated.env': 'NOT_NAMED=1\n',
    'shared/staging.json': JSON.stringify({ DB_HOST: 'prod.internal', API_KEY: 'staging-key-fixture' }),
  });
  return { root, configFile: path.join(root, 'bot', 'rehearsal.config.yaml'), config: configSchema.parse(parse(text)), text };
}

describe('stagePhaseFiles', () => {
  it("stages the parity section's env and JSON files for reconcile alone, and reconcile reads them from the copy", async () => {
    // Prepare
    const { configFile, config } = await writeParitySuite();

    // Act
    const staged = stagePhaseFiles(config, configFile);
    const reconcile = staged.reconcile;
    if (!reconcile || !config.parity) throw new Error('parity files expected');
    const sources = paritySources(config.parity, path.join(reconcile.dir, 'bot'), NO_AWS);

    // Assert
    expect(Object.keys(staged)).toEqual(['reconcile']);
    expect({ baseDir: reconcile.baseDir, files: reconcile.files, copied: listFiles(reconcile.dir) }).toEqual({
      baseDir: 'rehearsal-files/bot', files: ['bot/env/production.env', 'shared/staging.json'], copied: ['bot/env/production.env', 'shared/staging.json'],
    });
    expect([...(await sources.production.read()).keys()]).toEqual(['DB_HOST', 'API_KEY']);
    expect([...(await sources.staging.read()).keys()]).toEqual(['DB_HOST', 'API_KEY']);
  });

  it('gives converse and load their conversation files and reconcile its parity files, each only its own', async () => {
    // Prepare: the convo suite's config plus a parity section naming a file beside it.
    const suite = await writeConvoSuite(awsSuiteConfigText());
    const config = { ...suite.config, parity: configSchema.shape.parity.parse({ production: { envFile: 'connectors/bot.yaml' }, staging: { envFile: 'connectors/bot.yaml' }, policy: { keys: {} } }) } as Config;

    // Act
    const staged = stagePhaseFiles(config, suite.configFile);

    // Assert
    expect(Object.keys(staged).sort()).toEqual(['converse', 'load', 'reconcile']);
    expect(staged.converse?.files).toEqual(SUITE_FILES);
    expect(staged.load).toBe(staged.converse);
    expect(staged.reconcile?.files).toEqual(['connectors/bot.yaml']);
  });
});

describe('the pipeline with a parity section naming files (bundling skipped)', () => {
  it('points the reconcile function, and no other, at its bundled files', async () => {
    // Prepare
    const { configFile, config } = await writeParitySuite();

    // Act
    const { template } = synthStack(config, { configPath: configFile });

    // Assert
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Description: string; Environment?: { Variables?: Record<string, unknown> } } }>;
    const withFiles = functions.filter((fn) => fn.Properties.Environment?.Variables?.[BASE_DIR_ENV] !== undefined);
    expect(withFiles.map((fn) => [fn.Properties.Description, fn.Properties.Environment?.Variables?.[BASE_DIR_ENV]])).toEqual([['rehearsal reconcile', 'rehearsal-files/bot']]);
  });

  it('fails synth with a ConfigError naming the config file, line and key of every missing or absolute parity file', async () => {
    // Prepare
    const { configFile, config, text } = await writeParitySuite({}, { production: { envFile: 'env/gone.env' }, staging: { jsonFile: '/etc/staging.json' } });
    const lineOf = (needle: string): number => text.split('\n').findIndex((line) => line.includes(needle)) + 1;

    // Act
    const error = (() => { try { synthStack(config, { configPath: configFile }); return undefined; } catch (caught) { return caught; } })();

    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { file: configFile, line: lineOf('env/gone.env'), path: 'parity.production.envFile', message: `the file "env/gone.env" does not exist (relative to ${path.dirname(configFile)})` },
      { file: configFile, line: lineOf('/etc/staging.json'), path: 'parity.staging.jsonFile', message: expect.stringContaining('"/etc/staging.json" is an absolute path') },
    ]);
  });

  it("fails synth on a staging log file, which a deployed function could only read as it was at synth, pointing to logGroup", async () => {
    // Prepare
    const { configFile, config, text } = await writeParitySuite({ metrics: { stagingLog: { file: 'bot.log' } } });

    // Act
    const act = () => synthStack(config, { configPath: configFile });

    // Assert
    const line = text.split('\n').findIndex((entry) => entry.includes('bot.log')) + 1;
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(`${configFile}:${line}: metrics.stagingLog.file: a deployed rehearsal cannot read the staging bot's log file "bot.log"`);
    expect(act).toThrow(/use metrics\.stagingLog\.logGroup/);
  });

  it('needs the config file when the parity section names files', async () => {
    const { config } = await writeParitySuite();

    expect(() => synthStack(config)).toThrow(/the parity section names files relative to the config file: pass configPath/);
  });
});
