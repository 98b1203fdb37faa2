import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateDeployment } from '../../shared/aws/deploy-validation';
import type { Config } from '../../shared/config/schema';
import { RehearsalStack } from '../../infra/rehearsal-stack';

/**
 * Not a test: synthesizes the stack for a config with bundling skipped (the standard aws-lambda-nodejs
 * switch). The stack always wires its own on-call topic (the observability construct's) into the pipeline.
 */
export function synthStack(config: Config, options: { nag?: boolean; configPath?: string } = {}): { app: App; stack: RehearsalStack; readonly template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: mkdtempSync(path.join(os.tmpdir(), 'rehearsal-cdk-')) });
  const deployment = validateDeployment(config);
  const env = { account: deployment.aws.account, region: deployment.aws.region };
  const stack = new RehearsalStack(app, 'Rehearsal', { config, deployment, env, ...(options.configPath === undefined ? {} : { configPath: options.configPath }) });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Lazy: synthesizing freezes the tree, and the nag tests must run the first synthesis themselves.
  let template: Template | undefined;
  return { app, stack, get template() { return (template ??= Template.fromStack(stack)); } };
}

/** The state machine's definition as JSON: token references (function ARNs) become placeholder strings. */
export function definitionOf(template: Template): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines);
  const definition = (machine?.['Properties'] as { DefinitionString: unknown }).DefinitionString;
  const flat = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flat).join(join[0]);
    return 'TOKEN';
  };
  return JSON.parse(flat(definition)) as { StartAt: string; States: Record<string, Record<string, unknown>> };
}
