import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlDocument } from '../config/load';
import { ConfigError, type InputProblem } from '../errors';
import { parseBotiumConvo, parseBotiumUtterances } from './botium';
import { connectorSchema, DEFAULT_CONNECTOR, type ConnectorConfig } from './connector-schema';
import { parseCsv } from './csv';
import type { DraftSet } from './draft';
import { expandGlobs } from './glob';
import { compileJsonPath } from './jsonpath';
import type { Conversation } from './model';
import { resolveDrafts } from './resolve';
import { parseYamlConvo } from './yaml-convo';

/** Kinds of files the convo globs may name; anything else they match is ignored. */
export type ConvoFileKind = 'yaml' | 'convo' | 'pconvo' | 'utterances';

/** The kind of a conversation file by its name, or undefined for a file the loader ignores. */
export function kindOf(file: string): ConvoFileKind | undefined {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  if (file.endsWith('.pconvo.txt')) return 'pconvo';
  if (file.endsWith('.convo.txt')) return 'convo';
  if (file.endsWith('.utterances.txt')) return 'utterances';
  return undefined;
}

/**
 * Reads every conversation the globs name (YAML convos and Botium files; Botium partial convos and
 * utterance lists beside them are read too, as Botium does), includes partial convos, loads CSV data
 * and validates it all before any traffic. Throws {@link ConfigError} listing every problem with its
 * file and line. Returns the runnable (non-partial) conversations, sorted by name.
 */
export async function loadConversations(patterns: readonly string[], baseDir: string, connector: ConnectorConfig = DEFAULT_CONNECTOR): Promise<Conversation[]> {
  const { files, unmatched } = await expandGlobs(patterns, baseDir);
  const problems: InputProblem[] = unmatched.map((pattern) => ({ path: 'convos', message: `pattern ${JSON.stringify(pattern)} matched no file (relative to ${baseDir})` }));
  const named = files.filter((file) => kindOf(file) !== undefined);
  if (named.length === 0 && unmatched.length === 0) problems.push({ path: 'convos', message: `no conversation file (.yaml, .yml, .convo.txt) among ${files.length} matched files` });
  const all = new Set(named);
  for (const dir of new Set(named.map((file) => path.dirname(file)))) {
    for (const entry of await readdir(dir)) if (entry.endsWith('.pconvo.txt') || entry.endsWith('.utterances.txt')) all.add(path.join(dir, entry));
  }
  const set: DraftSet = { drafts: [], utterances: new Map() };
  const order: ConvoFileKind[] = ['utterances', 'yaml', 'pconvo', 'convo'];
  const sorted = [...all].sort((a, b) => order.indexOf(kindOf(a) ?? 'convo') - order.indexOf(kindOf(b) ?? 'convo') || a.localeCompare(b));
  for (const file of sorted) {
    const display = path.relative(baseDir, file) || file;
    try {
      const text = await readFile(file, 'utf8');
      const kind = kindOf(file);
      if (kind === 'yaml') parseYamlConvo(text, display, set, file);
      else if (kind === 'utterances') parseBotiumUtterances(text, display, set);
      else parseBotiumConvo(text, display, kind === 'pconvo', set);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const dataByFile = await readDataFiles(set, baseDir, problems);
  const { conversations, problems: found } = resolveDrafts(set, { dataByFile, connectorVariables: Object.keys(connector.context) });
  problems.push(...found);
  if (problems.length > 0) throw new ConfigError(problems);
  if (conversations.length === 0) throw new ConfigError([{ path: 'convos', message: 'the files hold only partial convos; at least one runnable convo is needed' }]);
  return conversations.sort((a, b) => a.name.localeCompare(b.name));
}

async function readDataFiles(set: DraftSet, baseDir: string, problems: InputProblem[]): Promise<Map<string, Array<Record<string, string>>>> {
  const data = new Map<string, Array<Record<string, string>>>();
  for (const draft of set.drafts) {
    if (draft.dataFile === undefined || data.has(draft.dataFile)) continue;
    const display = path.relative(baseDir, draft.dataFile);
    try {
      const rows = parseCsv(await readFile(draft.dataFile, 'utf8'));
      if (rows.length === 0) problems.push({ file: display, path: '', message: 'the data file has a header but no rows' });
      data.set(draft.dataFile, rows);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message = code ? `cannot read the data file (${code}), named by convo ${JSON.stringify(draft.name)}` : (error as Error).message;
      problems.push({ file: display, path: 'data', message });
      data.set(draft.dataFile, []);
    }
  }
  return data;
}

/** Reads and validates a connector file (YAML or JSON, `${env:NAME}` allowed). Throws {@link ConfigError}. */
export async function loadConnector(file: string): Promise<ConnectorConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ file, path: '', message: `cannot read the connector file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }], { cause });
  }
  const connector = parseYamlDocument(text, connectorSchema, { file });
  const paths: Array<[string, string]> = [
    ...connector.reply.messages.map((expression, index): [string, string] => [`reply.messages[${index}]`, expression]),
    ['reply.buttons', connector.reply.buttons],
    ...Object.entries(connector.context).map(([name, expression]): [string, string] => [`context.${name}`, expression]),
  ];
  const problems: InputProblem[] = [];
  for (const [at, expression] of paths) {
    try {
      compileJsonPath(expression);
    } catch (error) {
      problems.push({ file, path: at, message: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return connector;
}
