import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLED_FILES_DIR } from '../../shared/aws/bundled-config';
import type { Config } from '../../shared/config/schema';
import { resolveConvoFiles, type ConvoFileTree } from '../../shared/converse/convo-files';
import { ConfigError } from '../../shared/errors';

/** Files staged for bundling: copied whole into a function's bundle under {@link BUNDLED_FILES_DIR}. */
export interface StagedFiles {
  /** The staging folder (absolute): its content goes into the bundle as it is. */
  readonly dir: string;
  /** The config file's folder inside the bundle, relative to the task root (`rehearsal-files/...`): the phases' `baseDir`. */
  readonly baseDir: string;
  /** The staged files, relative to {@link dir}, sorted. */
  readonly files: readonly string[];
}

/**
 * Resolves the files the config's converse and load sections need (see `resolveConvoFiles`), relative
 * to `configFile`, and copies them into a fresh temporary folder with their relative layout, once per
 * synth. Undefined when the config has neither section. Throws {@link ConfigError} (synth stops) when
 * a glob matches nothing, a named file is missing, or the config file is not given.
 */
export function stageConvoFiles(config: Pick<Config, 'converse' | 'load'>, configFile: string | undefined): StagedFiles | undefined {
  if (!config.converse && !config.load) return undefined;
  if (configFile === undefined) {
    const section = config.converse ? 'converse' : 'load';
    throw new ConfigError([{ path: section, message: `the ${section} section names files relative to the config file: pass configPath (the path the config was read from) so they can be bundled with the functions` }]);
  }
  const tree = resolveConvoFiles(config, configFile);
  return tree && stageTree(tree);
}

/**
 * Copies a tree of files (see `ConvoFileTree`: a root, the config's folder in it, the files relative
 * to it) into a fresh temporary folder with their relative layout, ready to be bundled.
 */
export function stageTree(tree: ConvoFileTree): StagedFiles {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-files-'));
  // The config's own folder may hold none of the files (all of them under ../): it must exist all the same.
  mkdirSync(path.join(dir, tree.baseDir), { recursive: true });
  for (const file of tree.files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(tree.root, file), path.join(dir, file));
  }
  return { dir, baseDir: path.posix.join(BUNDLED_FILES_DIR, ...tree.baseDir.split(path.sep).filter(Boolean)), files: tree.files };
}
