import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { yamlLineLocator } from '../../shared/config/load';
import { formatPath, type LineLocator } from '../../shared/config/problems';
import type { Config } from '../../shared/config/schema';
import { treeOf } from '../../shared/converse/convo-files';
import { ConfigError, type InputProblem } from '../../shared/errors';
import type { PhaseName } from '../../shared/pipeline/report';
import { stageConvoFiles, stageTree, type StagedFiles } from './convo-bundle';

/** The files each phase's function reads from its bundle, staged once per synth; a phase not listed reads none. */
export type PhaseFiles = Partial<Readonly<Record<PhaseName, StagedFiles>>>;

/**
 * Stages, once per synth, every file the config names for a function to read, each function getting
 * only its own: the conversation files for converse and load's plan step (see `stageConvoFiles`), the
 * parity section's `envFile` / `jsonFile` sources for reconcile. Paths are relative to `configFile`.
 * Throws {@link ConfigError} (synth stops) listing every problem with the config file, line and key:
 * a missing or absolute file, no config file to resolve against, and a staging log `file`, which a
 * deployed function could only read as it was at synth (see {@link stagingLogProblem}).
 */
export function stagePhaseFiles(config: Pick<Config, 'converse' | 'load' | 'parity' | 'metrics'>, configFile: string | undefined): PhaseFiles {
  const problems = [stagingLogProblem(config, configFile)].filter((problem) => problem !== undefined);
  const collect = <T>(stage: () => T): T | undefined => {
    try {
      return stage();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const convos = collect(() => stageConvoFiles(config, configFile));
  const parity = collect(() => stageParityFiles(config, configFile));
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...(convos ? { converse: convos, load: convos } : {}), ...(parity ? { reconcile: parity } : {}) };
}

/** Where the parity section names a file: its key path and the file as written. */
function parityFilesOf(config: Pick<Config, 'parity'>): Array<{ at: readonly string[]; file: string }> {
  const parity = config.parity;
  if (!parity) return [];
  return (['production', 'staging'] as const).flatMap((side) => {
    const source = parity[side];
    if ('envFile' in source) return [{ at: ['parity', side, 'envFile'], file: source.envFile }];
    if ('jsonFile' in source) return [{ at: ['parity', side, 'jsonFile'], file: source.jsonFile }];
    return [];
  });
}

/**
 * Resolves the parity section's env and JSON file sources relative to the config file's folder, as
 * `paritySources` does at run time, and copies them for the reconcile function. Undefined when the
 * section names no file. Throws {@link ConfigError} for a missing or absolute file, with file:line.
 */
export function stageParityFiles(config: Pick<Config, 'parity'>, configFile: string | undefined): StagedFiles | undefined {
  const named = parityFilesOf(config);
  if (named.length === 0) return undefined;
  if (configFile === undefined) {
    throw new ConfigError([{ path: 'parity', message: 'the parity section names files relative to the config file: pass configPath (the path the config was read from) so they can be bundled with the reconcile function' }]);
  }
  const configDir = path.dirname(path.resolve(configFile));
  const at = locatedProblem(configFile);
  const problems: InputProblem[] = [];
  const files = new Set<string>();
  for (const { at: keys, file } of named) {
    const resolved = path.resolve(configDir, file);
    if (path.isAbsolute(file)) problems.push(at(keys, `${JSON.stringify(file)} is an absolute path: name files relative to the config file's folder, so they can be bundled with the reconcile function`));
    else if (!isFile(resolved)) problems.push(at(keys, `the file ${JSON.stringify(file)} does not exist (relative to ${configDir})`));
    else files.add(resolved);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return stageTree(treeOf(configDir, files));
}

/**
 * A staging log `file` cannot work in AWS: the function would read the copy bundled at synth, whose
 * lines all predate the run, and report no staging errors whatever the bot logged. The staging bot's
 * log in AWS is a CloudWatch Logs group (`metrics.stagingLog.logGroup`).
 */
export function stagingLogProblem(config: Pick<Config, 'metrics'>, configFile: string | undefined): InputProblem | undefined {
  const log = config.metrics.stagingLog;
  if (!log || !('file' in log)) return undefined;
  const message = `a deployed rehearsal cannot read the staging bot's log file ${JSON.stringify(log.file)} (a copy bundled at synth would hold no line from any run): use metrics.stagingLog.logGroup, the bot's CloudWatch Logs group`;
  return configFile === undefined ? { path: 'metrics.stagingLog.file', message } : locatedProblem(configFile)(['metrics', 'stagingLog', 'file'], message);
}

function locatedProblem(configFile: string): (keys: readonly string[], message: string) => InputProblem {
  const locate = locatorOf(configFile);
  return (keys, message) => {
    const line = locate(keys);
    return { file: configFile, ...(line === undefined ? {} : { line }), path: formatPath(keys), message };
  };
}

function locatorOf(configFile: string): LineLocator {
  try {
    return yamlLineLocator(readFileSync(configFile, 'utf8'));
  } catch {
    return () => undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

