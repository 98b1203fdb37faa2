import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Runs the CDK app the way `cdk synth` does: context in CDK_CONTEXT_JSON, output folder in CDK_OUTDIR. */
async function synthApp(context: Record<string, unknown>): Promise<{ code: number; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-app-'));
  try {
    const { stderr } = await run(TSX, ['infra/app.ts'], { cwd: ROOT, env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir } });
    return { code: 0, stderr, outdir };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, outdir };
  }
}

describe('the CDK app (infra/app.ts)', () => {
  it('synthesizes the example config offline, with the nag checks passing', async () => {
    const result = await synthApp({ config: 'examples/aws/rehearsal.config.yaml', 'aws:cdk:bundling-stacks': [] });

    expect(result.code).toBe(0);
    const template = JSON.parse(readFileSync(path.join(result.outdir, 'Rehearsal-support-bot-staging.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    expect(readdirSync(result.outdir)).toContain('manifest.json');
  });

  it('stops before synthesizing, with exit code 2 and file:line: path: message, when staging names production', async () => {
    const example = readFileSync(path.join(ROOT, 'examples/aws/rehearsal.config.yaml'), 'utf8');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-bad-')), 'rehearsal.config.yaml');
    writeFileSync(file, example.replace('instanceIdentifier: support-staging ', 'instanceIdentifier: support-prod    '));

    const result = await synthApp({ config: file });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rehearsal: cannot synthesize: .*rehearsal\.config\.yaml:\d+: databases\.staging\.instanceIdentifier: staging names the same database as production/m);
    expect(readdirSync(result.outdir)).toEqual([]);
  });

  it('resolves the conversation files against the config file it was given, and stops with exit code 2 naming a glob that matches nothing', async () => {
    // Prepare: the example config plus a converse section whose second glob matches nothing.
    const example = readFileSync(path.join(ROOT, 'examples/aws/rehearsal.config.yaml'), 'utf8');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-convos-'));
    mkdirSync(path.join(dir, 'convos'));
    writeFileSync(path.join(dir, 'convos', 'hello.yaml'), 'name: hello\nturns:\n  - user: hi\n');
    const file = path.join(dir, 'rehearsal.config.yaml');
    writeFileSync(file, `${example}\nconverse:\n  target: http://127.0.0.1:9/chat\n  convos:\n    - convos/*.yaml\n    - checks/*.yaml\n`);
    const line = readFileSync(file, 'utf8').split('\n').indexOf('    - checks/*.yaml') + 1;

    // Act
    const result = await synthApp({ config: file, 'aws:cdk:bundling-stacks': [] });

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`rehearsal: cannot synthesize: ${file}:${line}: converse.convos[1]: pattern "checks/*.yaml" matched no file (relative to ${dir})`);
    expect(result.stderr).not.toContain('convos[0]');
    expect(readdirSync(result.outdir)).toEqual([]);
  });
});
