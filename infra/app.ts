import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describeError, exitCodeOf } from '../shared/errors';
import { loadDeployConfig } from './load-deploy-config';
import { RehearsalStack } from './rehearsal-stack';

/**
 * The ready app: `npx cdk deploy -c config=path/to/rehearsal.config.yaml`. A bad config stops here with
 * one line per problem and exit code 2; nothing is synthesized.
 */
function main(): void {
  const app = new App();
  const file = String(app.node.tryGetContext('config') ?? 'examples/aws/rehearsal.config.yaml');
  const { config, deployment } = loadDeployConfig(file);
  const id = `Rehearsal-${config.bot}-${config.environment}`.replace(/[^A-Za-z0-9-]/g, '-');
  new RehearsalStack(app, id, {
    config,
    deployment,
    configPath: file,
    env: { account: deployment.aws.account, region: deployment.aws.region },
    description: `rehearsal: refreshes ${config.environment} of ${config.bot} from production after every release`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
}

try {
  main();
} catch (error) {
  process.stderr.write(`rehearsal: cannot synthesize: ${describeError(error)}\n`);
  process.exit(exitCodeOf(error));
}
