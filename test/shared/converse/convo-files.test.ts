import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveConvoFiles } from '../../../shared/converse/convo-files';
import { expandGlobs, expandGlobsSync } from '../../../shared/converse/glob';
import { ConfigError } from '../../../shared/errors';
import { SUITE_CONFIG, SUITE_FILES, writeConvoSuite } from './support/convo-suite';

function problemsOf(act: () => unknown): string[] {
  let error: unknown;
  try {
    act();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((problem) => `${problem.file ?? ''}:${problem.line ?? ''}: ${problem.path}: ${problem.message}`);
}

describe('resolveConvoFiles (what the converse and load phases read, resolved at synth)', () => {
  it('finds the globbed convos, the partial convos and utterances beside them, CSV data, the connector and files outside the config folder', async () => {
    // Prepare
    const { root, configFile, config } = await writeConvoSuite();

    // Act
    const tree = resolveConvoFiles(config, configFile);

    // Assert: the README the glob also matches is not read by the loader, so it is left out.
    expect(tree).toEqual({ root, baseDir: 'bot', files: SUITE_FILES });
  });

  it('roots the tree at the config folder when every file is inside it', async () => {
    // Prepare
    const { root, configFile, config } = await writeConvoSuite(SUITE_CONFIG.replace('../shared/load/*.yaml', 'convos/order.yaml'));

    // Act
    const tree = resolveConvoFiles(config, configFile);

    // Assert
    expect(tree).toEqual({ root: path.join(root, 'bot'), baseDir: '', files: SUITE_FILES.filter((file) => file.startsWith('bot/')).map((file) => file.slice('bot/'.length)) });
  });

  it('names a missing data file with the convo file, the line of its data key and the path it looked for', async () => {
    // Prepare
    const { root, configFile, config } = await writeConvoSuite();
    await writeFile(path.join(root, 'bot/convos/order.yaml'), ['name: order', 'turns:', '  - user: hi', 'data: data/missing.csv', ''].join('\n'));

    // Act
    const problems = problemsOf(() => resolveConvoFiles(config, configFile));

    // Assert
    expect(problems).toEqual([`convos/order.yaml:4: data: the data file "data/missing.csv" does not exist (looked for convos/data/missing.csv relative to ${path.join(root, 'bot')})`]);
  });

  it('reports every glob that matches nothing and a missing connector at the config key and line, all at once', async () => {
    // Prepare
    const text = SUITE_CONFIG.replace('    - botium/**/*.convo.txt', '    - botium/**/*.convo.txt\n    - missing/*.yaml\n    - convos/*.md').replace('connectors/bot.yaml', 'connectors/gone.yaml');
    const { root, configFile, config } = await writeConvoSuite(text);
    const dir = path.join(root, 'bot');

    // Act
    const problems = problemsOf(() => resolveConvoFiles(config, configFile));

    // Assert
    expect(problems).toEqual([
      `${configFile}:11: converse.convos[2]: pattern "missing/*.yaml" matched no file (relative to ${dir})`,
      `${configFile}:12: converse.convos[3]: pattern "convos/*.md" matched 1 files but no conversation file (.yaml, .yml, .convo.txt) (relative to ${dir})`,
      `${configFile}:13: converse.connector: the connector file "connectors/gone.yaml" does not exist (relative to ${dir})`,
    ]);
  });

  it('refuses absolute paths, which would not exist inside a Lambda bundle', async () => {
    // Prepare
    const { configFile, config } = await writeConvoSuite(SUITE_CONFIG.replace('../shared/load/*.yaml', '/srv/convos/*.yaml'));

    // Act
    const problems = problemsOf(() => resolveConvoFiles(config, configFile));

    // Assert
    expect(problems).toEqual([`${configFile}:14: load.convos[0]: "/srv/convos/*.yaml" is an absolute path: name files relative to the config file's folder, so they can be bundled with the functions`]);
  });

  it('needs nothing without converse and load sections, and reports a load section with no convos to run', async () => {
    // Prepare
    const { configFile, config } = await writeConvoSuite();
    const { converse: _converse, ...withoutConverse } = config;
    const { convos: _convos, ...loadWithoutConvos } = config.load ?? { convos: [] };

    // Act
    const nothing = resolveConvoFiles({}, configFile);
    const problems = problemsOf(() => resolveConvoFiles({ ...withoutConverse, load: { ...loadWithoutConvos } as typeof config.load }, configFile));

    // Assert
    expect(nothing).toBeUndefined();
    expect(problems).toEqual([`${configFile}:12: load: load needs target and convos, or a converse section to take them from`]);
  });
});

describe('expandGlobsSync', () => {
  it('matches exactly what expandGlobs matches', async () => {
    // Prepare
    const { root } = await writeConvoSuite();
    const patterns = ['bot/convos/*.yaml', 'bot/**/*.txt', 'bot/{convos,connectors}/**', '**/*.y?ml', 'bot/convos/order.yaml', 'nothing/*', 'bot/none.yaml'];

    // Act
    const sync = patterns.map((pattern) => expandGlobsSync([pattern], path.join(root, 'bot', '..')));
    const async = await Promise.all(patterns.map((pattern) => expandGlobs([pattern], root)));

    // Assert
    expect(sync).toEqual(async);
    expect(sync.map((result) => result.files.length)).toEqual([2, 3, 5, 5, 1, 0, 0]);
  });
});
