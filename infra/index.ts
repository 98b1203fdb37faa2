/**
 * The reusable parts of rehearsal's CDK app, for teams that put the pipeline in their own app:
 *
 * @example
 * const { config } = loadDeployConfig('rehearsal.config.yaml');
 * new RehearsalPipeline(stack, 'Rehearsal', { config, deployment: validateDeployment(config), onCallTopic });
 */
export { validateDeployment } from '../shared/aws/deploy-validation';
export { loadDeployConfig } from './load-deploy-config';
export { RehearsalPipeline, stateMachineNameFor, type RehearsalPipelineProps } from './pipeline/rehearsal-pipeline';
export { RehearsalFunction, type RehearsalFunctionProps } from './pipeline/rehearsal-function';
export { RehearsalStack, type RehearsalStackProps } from './rehearsal-stack';
