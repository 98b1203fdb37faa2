import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { stringify } from 'yaml';
import { stageConvoFiles } from '../../infra/pipeline/convo-bundle';
import { RehearsalFunction } from '../../infra/pipeline/rehearsal-function';
import { build } from 'esbuild';
import { bundleOptions, PROJECT_ROOT } from '../../infra/pipeline/bundling';
import { awsPhaseRuntime } from '../../functions/common/phase-runtime';
import { writeBundledConfig } from '../../infra/pipeline/bundled-config-files';
import { ruleProblem, rulesOfConfig } from '../../shared/anonymize/rule-problems';
import { BASE_DIR_ENV, BUNDLED_CONFIG_LINES_FILE, readBundledConfig } from '../../shared/aws/bundled-config';
import { loadConfig } from '../../shared/config/load';
import { loadConnector, loadConversations } from '../../shared/converse/load-convos';
import { awsConfigInput, parseConfig } from '../shared/aws/factories';
import { awsSuiteConfigText, SUITE_FILES, writeConvoSuite } from '../shared/converse/support/convo-suite';

const run = promisify(execFile);

describe('RehearsalFunction bundling (the one test that really bundles)', () => {
  it('bundles a handler with esbuild offline, with its source map and the config beside it, and the bundle runs', async () => {
    // Prepare: one function in a stack with bundling on.
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bundle-'));
    const configFile = path.join(outdir, 'config.json');
    writeFileSync(configFile, JSON.stringify(parseConfig(awsConfigInput())));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundle', { env: { account: '123456789012', region: 'eu-west-1' } });
    new RehearsalFunction(stack, 'Trigger', { name: 'Trigger', configFile, logRetention: RetentionDays.ONE_WEEK });

    // Act
    const assembly = app.synth();
    const assetDir = readdirSync(assembly.directory).map((name) => path.join(assembly.directory, name)).find((dir) => existsSync(path.join(dir, 'index.js')));
    if (!assetDir) throw new Error(`no bundled asset in ${assembly.directory}`);
    const probe = `
      const { handler } = require(${JSON.stringify(path.join(assetDir, 'index.js'))});
      handler({ source: 'aws.s3', 'detail-type': 'Object Created', id: '1', time: 't', detail: {} }, { functionName: 'probe', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1000 })
        .then((result) => process.stdout.write(JSON.stringify(result)), (error) => { process.stderr.write(String(error)); process.exit(1); });`;
    const { stdout } = await run(process.execPath, ['-e', probe], {
      env: { PATH: process.env['PATH'] ?? '', AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: assetDir, RUN_LOCK_TABLE: 'lock', STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:r', RUN_TIMEOUT_MS: '3600000', POWERTOOLS_LOG_LEVEL: 'SILENT' },
    });

    // Assert
    expect(readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map', 'rehearsal.config.json']);
    expect(readFileSync(path.join(assetDir, 'index.js'), 'utf8')).toContain('//# sourceMappingURL=index.js.map');
    // Rebuilt with the bundling plugins (zod's other locales left out: German is one of them).
    expect(readFileSync(path.join(assetDir, 'index.js'), 'utf8')).not.toContain('Eingabe');
    // Class names kept through minification (BUNDLING.keepNames): esbuild names each class in a static block.
    expect(readFileSync(path.join(assetDir, 'index.js'), 'utf8')).toMatch(/static\{\w+\(this,"ConfigError"\)\}/);
    expect(JSON.parse(stdout)).toEqual({ action: 'rejected', reason: 'unrelated event: source "aws.s3", detail-type "Object Created"' });
  });

  it('keeps the names of rehearsal\'s errors through minification, which Step Functions retries and on-call\'s notification read', async () => {
    // Prepare: an entry that prints the names of errors the state machine retries on, and of others it reports.
    const entry = `import { ConnectionLostError, CredentialsConnectionLostError, PiiFoundError } from './shared/anonymize/errors';
      import { ConfigError, EnvironmentError } from './shared/errors';
      console.log(JSON.stringify([ConnectionLostError, CredentialsConnectionLostError, PiiFoundError, ConfigError, EnvironmentError].map((error) => error.name)));`;

    // Act: bundled as every function is (bundleOptions: minified), then run.
    const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-names-')), 'index.js');
    await build({ ...bundleOptions(), stdin: { contents: entry, resolveDir: PROJECT_ROOT, loader: 'ts' }, outfile });
    const { stdout } = await run(process.execPath, [outfile]);

    // Assert
    expect(JSON.parse(stdout)).toEqual(['ConnectionLostError', 'CredentialsConnectionLostError', 'PiiFoundError', 'ConfigError', 'EnvironmentError']);
  });

  it('bundles the converse handler with the conversation files at their relative paths, and the phase loads them from the bundle', async () => {
    // Prepare: a suite with convos, partial convos, utterances, CSV data, a connector and a file outside the config folder.
    const { configFile, config } = await writeConvoSuite(awsSuiteConfigText());
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bundle-'));
    const bundledConfig = path.join(outdir, 'config.json');
    writeFileSync(bundledConfig, JSON.stringify(config));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundle', { env: { account: '123456789012', region: 'eu-west-1' } });
    const files = stageConvoFiles(config, configFile);
    if (!files) throw new Error('the suite has converse and load sections: files expected');
    new RehearsalFunction(stack, 'Converse', { name: 'Converse', configFile: bundledConfig, files, logRetention: RetentionDays.ONE_WEEK });

    // Act: bundle, then build the phase runtime as the Lambda does, from the function's own environment.
    const assembly = app.synth();
    const assetDir = readdirSync(assembly.directory).map((name) => path.join(assembly.directory, name)).find((dir) => existsSync(path.join(dir, 'index.js')));
    if (!assetDir) throw new Error(`no bundled asset in ${assembly.directory}`);
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as Array<{ Properties: { Environment: { Variables: Record<string, string> } } }>;
    const baseDirVar = fn?.Properties.Environment.Variables[BASE_DIR_ENV] ?? '';
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };
    const runtime = await awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: assetDir, [BASE_DIR_ENV]: baseDirVar });
    const converse = config.converse;
    const load = config.load;
    if (!converse?.connector || !load?.convos) throw new Error('the suite names convos and a connector');
    const connector = await loadConnector(path.join(runtime.baseDir, converse.connector));
    const conversations = await loadConversations(converse.convos, runtime.baseDir, connector);
    const loadConversationsFromBundle = await loadConversations(load.convos, runtime.baseDir, connector);

    // Assert
    expect(baseDirVar).toBe('rehearsal-files/bot');
    expect(runtime.baseDir).toBe(path.join(assetDir, 'rehearsal-files', 'bot'));
    expect(SUITE_FILES.every((file) => existsSync(path.join(assetDir, 'rehearsal-files', file)))).toBe(true);
    expect(existsSync(path.join(assetDir, 'rehearsal-files', 'bot', 'convos', 'README.md'))).toBe(false);
    expect(conversations.map((conversation) => [conversation.name, conversation.turns.length])).toEqual([['Login', 2], ['order', 2]]);
    expect(loadConversationsFromBundle.map((conversation) => conversation.name)).toEqual(['browse']);
  });

  it("bundles the config's YAML line map beside the config at synth, so the function's rule problems name the YAML line", async () => {
    // Prepare: the config read from its YAML file, written for bundling as the pipeline does.
    const yamlFile = writeYamlConfig(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-yaml-')));
    const text = readFileSync(yamlFile, 'utf8');
    const { config } = await loadConfig(yamlFile, {});
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundle', { env: { account: '123456789012', region: 'eu-west-1' } });
    new RehearsalFunction(stack, 'Trigger', { name: 'Trigger', configFile: writeBundledConfig(config, yamlFile), logRetention: RetentionDays.ONE_WEEK });

    // Act: bundle, then read the config from the bundle as the Lambda does.
    const assembly = app.synth();
    const assetDir = readdirSync(assembly.directory).map((name) => path.join(assembly.directory, name)).find((dir) => existsSync(path.join(dir, 'index.js')));
    if (!assetDir) throw new Error(`no bundled asset in ${assembly.directory}`);
    const bundled = readBundledConfig(assetDir);
    const problem = ruleProblem(rulesOfConfig(bundled), ['tables', 'public.users', 'columns', 'email'], 'a problem');

    // Assert
    expect(readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map', 'rehearsal.config.json', BUNDLED_CONFIG_LINES_FILE]);
    expect(problem).toEqual({ file: 'rehearsal.config.yaml', line: text.split('\n').indexOf('        email: email') + 1, path: 'anonymize.tables.public.users.columns.email', message: 'a problem' });
  });
});

/** Writes the AWS test config as `rehearsal.config.yaml` in `dir` (block style: one rule a line). */
function writeYamlConfig(dir: string): string {
  const file = path.join(dir, 'rehearsal.config.yaml');
  writeFileSync(file, stringify(awsConfigInput()));
  return file;
}
