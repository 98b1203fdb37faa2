import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLED_CONFIG_FILE, BUNDLED_CONFIG_LINES_FILE } from '../../shared/aws/bundled-config';
import type { FileLines } from '../../shared/config/line-map';
import { yamlLineTree } from '../../shared/config/load';
import type { Config } from '../../shared/config/schema';

/**
 * Writes the validated config as JSON for bundling beside every handler, in a fresh folder, and returns
 * the file. With `configPath` (the YAML the config was read from), its line map goes beside it
 * ({@link BUNDLED_CONFIG_LINES_FILE}: the file's name and every node's line, no values), so the Lambdas
 * report problems at `rehearsal.config.yaml:14` as the local runner does.
 */
export function writeBundledConfig(config: Config, configPath?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-config-'));
  const file = path.join(dir, BUNDLED_CONFIG_FILE);
  writeFileSync(file, `${JSON.stringify(config)}\n`);
  if (configPath !== undefined) {
    const lines: FileLines = { file: displayedConfigName(configPath), lines: yamlLineTree(readFileSync(configPath, 'utf8')) };
    writeFileSync(path.join(dir, BUNDLED_CONFIG_LINES_FILE), `${JSON.stringify(lines)}\n`);
  }
  return file;
}

/** The files to copy into a function's bundle for `configFile` (written by {@link writeBundledConfig}): the config, and its line map when there is one. */
export function bundledConfigFiles(configFile: string): Array<{ from: string; to: string }> {
  const lines = path.join(path.dirname(configFile), BUNDLED_CONFIG_LINES_FILE);
  return [
    { from: configFile, to: BUNDLED_CONFIG_FILE },
    ...(existsSync(lines) ? [{ from: lines, to: BUNDLED_CONFIG_LINES_FILE }] : []),
  ];
}

/**
 * How problems name the config file: its path from where `cdk` runs when it is inside that folder
 * (`deploy/rehearsal.config.yaml`), else its name alone. Never the synth machine's absolute path.
 */
function displayedConfigName(configPath: string): string {
  const relative = path.relative(process.cwd(), path.resolve(configPath));
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(configPath) : relative.split(path.sep).join('/');
}
