import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileLinesSchema, lineTreeLocator, type FileLines } from '../config/line-map';
import { issuesToProblems } from '../config/problems';
import { configSchema, type Config } from '../config/schema';
import { rememberConfigSections } from '../config/section-sources';
import { ConfigError } from '../errors';

/** The file the CDK app bundles next to every handler: the validated config as JSON (ids and ARNs only). */
export const BUNDLED_CONFIG_FILE = 'rehearsal.config.json';

/**
 * Bundled beside {@link BUNDLED_CONFIG_FILE} when the config came from a YAML file at synth: that file's
 * name and the line of every node (`FileLines`), so problems found in a Lambda name `file:line` as the
 * local runner's do. Absent when the construct was given a config object without its file.
 */
export const BUNDLED_CONFIG_LINES_FILE = 'rehearsal.config.lines.json';

/** The folder, inside a function's bundle, holding the files the config names (convos, connector, CSV data) with their layout. */
export const BUNDLED_FILES_DIR = 'rehearsal-files';

/** Set on functions bundled with {@link BUNDLED_FILES_DIR}: the config's folder inside the bundle, relative to the task root (the phases' `baseDir`). */
export const BASE_DIR_ENV = 'REHEARSAL_BASE_DIR';

const REDEPLOY = 'redeploy with npx cdk deploy';

/**
 * Reads and validates the config bundled in `taskRoot`. With its line map ({@link BUNDLED_CONFIG_LINES_FILE})
 * the config's sections are registered with the YAML file's name and lines (`rememberConfigSections`),
 * so a rule problem found later against the database, and any validation problem here, names
 * `rehearsal.config.yaml:14`; without it, problems carry the path only. Throws {@link ConfigError}.
 */
export function readBundledConfig(taskRoot: string): Config {
  const file = path.join(taskRoot, BUNDLED_CONFIG_FILE);
  const value = readJson(file, 'the bundled config', true);
  const lines = readLines(path.join(taskRoot, BUNDLED_CONFIG_LINES_FILE));
  const locate = lines === undefined ? undefined : lineTreeLocator(lines.lines);
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, lines === undefined || locate === undefined ? { file } : { file: lines.file, locate }));
  if (lines !== undefined && locate !== undefined) rememberConfigSections(parsed.data, lines.file, locate);
  return parsed.data;
}

function readLines(file: string): FileLines | undefined {
  const value = readJson(file, 'the bundled config line map', false);
  if (value === undefined) return undefined;
  const parsed = fileLinesSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { file }).map((problem) => ({ ...problem, message: `${problem.message} (the line map is written at synth; ${REDEPLOY})` })));
  return parsed.data;
}

/** The file's JSON; `undefined` when an optional file is absent. */
function readJson(file: string, what: string, required: boolean): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    if (!required && code === 'ENOENT') return undefined;
    throw new ConfigError([{ path: '', file, message: `${what} is missing (${code}); ${REDEPLOY}` }], { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConfigError([{ path: '', file, message: `${what} is not valid JSON (${(cause as Error).message}); ${REDEPLOY}` }], { cause });
  }
}
