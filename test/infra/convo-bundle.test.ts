import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { stageConvoFiles } from '../../infra/pipeline/convo-bundle';
import { BASE_DIR_ENV } from '../../shared/aws/bundled-config';
import { ConfigError } from '../../shared/errors';
import { awsSuiteConfigText, SUITE_FILES, writeConvoSuite } from '../shared/converse/support/convo-suite';
import { synthStack } from './synth';

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  }).sort();
}

describe('stageConvoFiles', () => {
  it('copies every file the converse and load sections need into one folder with their layout', async () => {
    // Prepare
    const { configFile, config } = await writeConvoSuite(awsSuiteConfigText());

    // Act
    const staged = stageConvoFiles(config, configFile);

    // Assert
    expect(staged && { baseDir: staged.baseDir, files: staged.files, copied: listFiles(staged.dir) }).toEqual({ baseDir: 'rehearsal-files/bot', files: SUITE_FILES, copied: SUITE_FILES });
  });

  it('needs the config file when the config has a converse or load section', async () => {
    const { config } = await writeConvoSuite(awsSuiteConfigText());

    expect(() => stageConvoFiles(config, undefined)).toThrow(
      new ConfigError([{ path: 'converse', message: 'the converse section names files relative to the config file: pass configPath (the path the config was read from) so they can be bundled with the functions' }]),
    );
  });
});

describe('the pipeline with converse and load sections (bundling skipped)', () => {
  it('points the converse and load functions, and no other, at the bundled files', async () => {
    // Prepare
    const { configFile, config } = await writeConvoSuite(awsSuiteConfigText());

    // Act
    const { template } = synthStack(config, { configPath: configFile });

    // Assert
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Description: string; Environment?: { Variables?: Record<string, unknown> } } }>;
    const withFiles = functions.filter((fn) => fn.Properties.Environment?.Variables?.[BASE_DIR_ENV] !== undefined);
    expect(withFiles.map((fn) => [fn.Properties.Description, fn.Properties.Environment?.Variables?.[BASE_DIR_ENV]]).sort()).toEqual([
      ['rehearsal converse', 'rehearsal-files/bot'],
      ['rehearsal load', 'rehearsal-files/bot'],
    ]);
    expect(functions.map((fn) => fn.Properties.Description)).toEqual(expect.arrayContaining(['rehearsal loadworker', 'rehearsal loadmerge', 'rehearsal publish']));
  });

  it('fails synth with a ConfigError naming the config file, line and key when a convo glob matches nothing', async () => {
    // Prepare: the data file is gone too; both are reported.
    const { root, configFile, config } = await writeConvoSuite(awsSuiteConfigText().replace('botium/**/*.convo.txt', 'botium/**/*.missing.txt'));
    await rm(path.join(root, 'bot/convos/data/users.csv'));
    const line = awsSuiteConfigText().split('\n').findIndex((text) => text.includes('botium/**/*.convo.txt')) + 1;

    // Act
    const act = () => synthStack(config, { configPath: configFile });

    // Assert
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(`${configFile}:${line}: converse.convos[1]: pattern "botium/**/*.missing.txt" matched no file (relative to ${path.join(root, 'bot')})`);
    expect(act).toThrow(/convos\/order\.yaml:2: data: the data file "data\/users\.csv" does not exist/);
  });
});
