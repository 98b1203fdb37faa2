import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { bundledConfigFiles, writeBundledConfig } from '../../infra/pipeline/bundled-config-files';
import { BUNDLED_CONFIG_FILE, BUNDLED_CONFIG_LINES_FILE } from '../../shared/aws/bundled-config';
import { fileLinesSchema } from '../../shared/config/line-map';
import { loadConfig } from '../../shared/config/load';
import { awsConfigInput } from '../shared/aws/factories';

async function yamlConfig(dir: string) {
  const file = path.join(dir, 'rehearsal.config.yaml');
  writeFileSync(file, stringify(awsConfigInput()));
  const { config } = await loadConfig(file, {});
  return { file, config };
}

describe('the config files bundled with every function (writeBundledConfig)', () => {
  it("writes the config as JSON and, beside it, the YAML's name and lines, both copied into the bundle", async () => {
    const { file, config } = await yamlConfig(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-yaml-')));

    const configFile = writeBundledConfig(config, file);

    const lines = fileLinesSchema.parse(JSON.parse(readFileSync(path.join(path.dirname(configFile), BUNDLED_CONFIG_LINES_FILE), 'utf8')));
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual(config);
    // Outside the folder cdk runs from: the file's name, never the synth machine's path.
    expect(lines.file).toBe('rehearsal.config.yaml');
    expect(lines.lines.keys?.['anonymize']?.line).toBe(readFileSync(file, 'utf8').split('\n').indexOf('anonymize:') + 1);
    expect(bundledConfigFiles(configFile)).toEqual([
      { from: configFile, to: BUNDLED_CONFIG_FILE },
      { from: path.join(path.dirname(configFile), BUNDLED_CONFIG_LINES_FILE), to: BUNDLED_CONFIG_LINES_FILE },
    ]);
  });

  it('names the YAML by its path from the folder cdk runs in when it is inside it', async () => {
    const dir = mkdtempSync(path.join(process.cwd(), '.rehearsal-yaml-test-'));
    try {
      const { file, config } = await yamlConfig(dir);

      const configFile = writeBundledConfig(config, file);

      expect(JSON.parse(readFileSync(path.join(path.dirname(configFile), BUNDLED_CONFIG_LINES_FILE), 'utf8'))).toMatchObject({ file: `${path.basename(dir)}/rehearsal.config.yaml` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bundles the config alone when the construct got a config object without its file', async () => {
    const { config } = await yamlConfig(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-yaml-')));

    const configFile = writeBundledConfig(config);

    expect(bundledConfigFiles(configFile)).toEqual([{ from: configFile, to: BUNDLED_CONFIG_FILE }]);
  });
});
