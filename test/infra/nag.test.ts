import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { auroraConfig, parityConfig, rdsConfig } from '../shared/aws/factories';
import { synthStack } from './synth';
import type { App } from 'aws-cdk-lib';

/** Synthesizes with the AwsSolutions pack; returns the unacknowledged findings (empty when synth passed). */
function findings(app: App): string[] {
  try {
    app.synth();
    return reported(app);
  } catch (error) {
    const report = path.join(app.outdir, 'validation-report.json');
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[] };
    const listed = parsed.pluginReports.flatMap((plugin) => plugin.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`)));
    if (listed.length === 0) throw error;
    return listed;
  }
}

/** Everything in the validation report, warnings included (CloudFormation's own checks report a dependency cycle there). */
function reported(app: App): string[] {
  const report = path.join(app.outdir, 'validation-report.json');
  if (!existsSync(report)) return [];
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as { pluginReports: { pluginName: string; violations: { ruleName: string }[] }[] };
  return parsed.pluginReports.flatMap((plugin) => plugin.violations.map((v) => `${plugin.pluginName}: ${v.ruleName}`));
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each([
    ['an RDS instance deployment', () => rdsConfig()],
    ['an Aurora deployment restoring from snapshots', () => auroraConfig()],
    ['an Aurora deployment cloning production', () => auroraConfig({ method: 'clone' })],
    ['a deployment whose reconcile phase reads SSM and Secrets Manager', () => parityConfig()],
    ['an RDS instance deployment swapping by rename (no private DNS)', () => rdsConfig({ swap: { mode: 'rename' } })],
    ['an Aurora deployment swapping by rename', () => auroraConfig({ swap: { mode: 'rename' } })],
  ])('leave no unacknowledged finding (and CloudFormation no warning, such as a dependency cycle) in %s, with on-call wired', (_label, config) => {
    const { app } = synthStack(config(), { nag: true });

    expect(findings(app)).toEqual([]);
  });

  it('catch a finding nobody acknowledged (the check is live)', () => {
    const { app, stack } = synthStack(rdsConfig(), { nag: true });
    new Queue(stack, 'Unreviewed');

    expect(findings(app)).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS3 Rehearsal\/Unreviewed/)]));
  });

  it('every acknowledgement carries a reason', () => {
    const { stack } = synthStack(rdsConfig());
    const acknowledged = stack.node.findAll().flatMap((node) => node.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((entry) => entry.data as unknown));

    // Each entry maps `Annotation::<rule id>` to the reason given.
    const reasons = acknowledged.flatMap((entry) => Object.entries(entry as Record<string, string>));

    expect(reasons.length).toBeGreaterThan(10);
    for (const [id, reason] of reasons) {
      // The CDK acknowledges some CloudFormation validation warnings itself (W3045 on a bucket with access logs), with its reason.
      expect(id).toMatch(/^(Annotation::(AwsSolutions-|@aws-cdk\/)|CloudFormation-Validate::)/);
      expect(reason.length).toBeGreaterThan(60);
    }
  });
});
