import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { yamlLineLocator } from '../config/load';
import { formatPath, type LineLocator } from '../config/problems';
import type { Config } from '../config/schema';
import { ConfigError, type InputProblem } from '../errors';
import { expandGlobsSync } from './glob';
import { kindOf } from './load-convos';

/** The files the converse and load phases read, as a tree to copy elsewhere with the same layout. */
export interface ConvoFileTree {
  /** Absolute folder holding every file and the config's folder (their nearest common folder). */
  readonly root: string;
  /** The config file's folder relative to `root` (`''` when it is `root`): the phases' `baseDir` in a copy. */
  readonly baseDir: string;
  /** Every file, relative to `root`, sorted, without duplicates. */
  readonly files: readonly string[];
}

/** One place the config names files: its key path and the patterns (or one file) there. */
interface Source {
  readonly at: readonly (string | number)[];
  readonly pattern: string;
  readonly kind: 'convos' | 'connector';
}

/**
 * Resolves, without running anything, every file the `converse` and `load` sections make the phases
 * read, exactly as `loadConversations` and `connectorFor` resolve them: the convo globs relative to
 * the config file's folder, the Botium partial convos and utterance lists beside the matched files,
 * the CSV files YAML convos name with `data:` (relative to the convo), and the connector files.
 * Returns undefined when neither section is there. Throws {@link ConfigError} listing every glob that
 * matches nothing and every missing file, with the config file, line and key (or the convo file and
 * line for a `data:` file). Convo contents are validated later, by the loader, as before.
 */
export function resolveConvoFiles(config: Pick<Config, 'converse' | 'load'>, configFile: string): ConvoFileTree | undefined {
  const sources = sourcesOf(config);
  if (sources === undefined) return undefined;
  const configDir = path.dirname(path.resolve(configFile));
  const locate = locatorOf(configFile);
  const problems: InputProblem[] = [];
  const at = (keys: readonly (string | number)[], message: string): InputProblem => {
    const line = locate(keys);
    return { file: configFile, ...(line === undefined ? {} : { line }), path: formatPath(keys), message };
  };
  if (sources.length === 0) problems.push(at(['load'], 'load needs target and convos, or a converse section to take them from'));
  const files = new Set<string>();
  const convoDirs = new Set<string>();
  for (const source of sources) {
    if (path.isAbsolute(source.pattern)) {
      problems.push(at(source.at, `${JSON.stringify(source.pattern)} is an absolute path: name files relative to the config file's folder, so they can be bundled with the functions`));
      continue;
    }
    if (source.kind === 'connector') {
      // The connector is one file, read with path.resolve (no glob), as connectorFor does.
      const file = path.resolve(configDir, source.pattern);
      if (isFile(file)) files.add(file);
      else problems.push(at(source.at, `the connector file ${JSON.stringify(source.pattern)} does not exist (relative to ${configDir})`));
      continue;
    }
    const { files: matched } = expandGlobsSync([source.pattern], configDir);
    const named = matched.filter((file) => kindOf(file) !== undefined);
    if (named.length === 0) {
      const what = matched.length === 0 ? 'matched no file' : `matched ${matched.length} files but no conversation file (.yaml, .yml, .convo.txt)`;
      problems.push(at(source.at, `pattern ${JSON.stringify(source.pattern)} ${what} (relative to ${configDir})`));
    }
    for (const file of named) {
      files.add(file);
      convoDirs.add(path.dirname(file));
    }
  }
  // The loader reads every partial convo and utterance list beside a matched convo, as Botium does.
  for (const dir of convoDirs) {
    for (const entry of readdirSync(dir)) if (entry.endsWith('.pconvo.txt') || entry.endsWith('.utterances.txt')) files.add(path.join(dir, entry));
  }
  for (const file of [...files]) if (kindOf(file) === 'yaml') addDataFile(file, configDir, files, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return treeOf(configDir, files);
}

/** The key paths and patterns of both sections; undefined without either, empty for a load section with no convos. */
function sourcesOf(config: Pick<Config, 'converse' | 'load'>): Source[] | undefined {
  const { converse, load } = config;
  if (!converse && !load) return undefined;
  const sources: Source[] = [];
  const convos = (section: 'converse' | 'load', patterns: readonly string[] | undefined): void =>
    patterns?.forEach((pattern, index) => sources.push({ at: [section, 'convos', index], pattern, kind: 'convos' }));
  convos('converse', converse?.convos);
  convos('load', load?.convos);
  if (converse?.connector !== undefined) sources.push({ at: ['converse', 'connector'], pattern: converse.connector, kind: 'connector' });
  if (load?.connector !== undefined) sources.push({ at: ['load', 'connector'], pattern: load.connector, kind: 'connector' });
  // A load section without convos and no converse section to take them from: reported by the caller.
  return load && !load.convos && !converse ? [] : sources;
}

/** Adds the CSV file a YAML convo names with `data:`, or a problem at that key when it is missing. */
function addDataFile(convoFile: string, configDir: string, files: Set<string>, problems: InputProblem[]): void {
  const text = readFileSync(convoFile, 'utf8');
  const display = path.relative(configDir, convoFile) || convoFile;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = document.errors;
  if (error) {
    problems.push({ file: display, line: lineCounter.linePos(error.pos[0]).line, path: '', message: `not valid YAML: ${error.message.split('\n')[0] ?? error.code}` });
    return;
  }
  const data: unknown = document.get('data');
  if (typeof data !== 'string' || data === '') return;
  const line = yamlLineLocator(text)(['data']);
  const where = { file: display, ...(line === undefined ? {} : { line }), path: 'data' };
  const dataFile = path.resolve(path.dirname(convoFile), data);
  if (path.isAbsolute(data)) problems.push({ ...where, message: `${JSON.stringify(data)} is an absolute path: name the data file relative to the convo file, so it can be bundled with the functions` });
  else if (isFile(dataFile)) files.add(dataFile);
  else problems.push({ ...where, message: `the data file ${JSON.stringify(data)} does not exist (looked for ${path.relative(configDir, dataFile)} relative to ${configDir})` });
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function locatorOf(configFile: string): LineLocator {
  try {
    return yamlLineLocator(readFileSync(configFile, 'utf8'));
  } catch {
    return () => undefined;
  }
}

/** The files relative to their nearest common folder with the config's folder (how the CDK app stages files for a Lambda). */
export function treeOf(configDir: string, files: ReadonlySet<string>): ConvoFileTree {
  let root = configDir;
  const inside = (file: string): boolean => {
    const relative = path.relative(root, file);
    return relative !== '..' && !relative.startsWith(`..${path.sep}`);
  };
  for (const file of files) while (!inside(file) && path.dirname(root) !== root) root = path.dirname(root);
  return { root, baseDir: path.relative(root, configDir), files: [...files].map((file) => path.relative(root, file)).sort() };
}
