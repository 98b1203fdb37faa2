/**
 * The reusable parts of rehearsal's CDK app, for teams that put the pipeline in their own app:
 *
 * @example
 * const { config } = loadDeployConfig('rehearsal.config.yaml');
 * const stateMachine = StateMachine.fromStateMachineName(stack, 'RefreshMachine', stateMachineNameFor(config));
 * const observability = new RehearsalObservability(stack, 'Observability', { ...observabilityPropsFromConfig(config), stateMachine });
 * new RehearsalPipeline(stack, 'Rehearsal', {
 *   config, deployment: validateDeployment(config), configPath: 'rehearsal.config.yaml', onCallTopic: observability.topic, reportsBucket: observability.reportsBucket,
 * });
 */
export { validateDeployment } from '../shared/aws/deploy-validation';
export { loadDeployConfig } from './load-deploy-config';
export { RehearsalPipeline, stateMachineNameFor, type RehearsalPipelineProps } from './pipeline/rehearsal-pipeline';
export { RehearsalFunction, type RehearsalFunctionProps } from './pipeline/rehearsal-function';
export { RehearsalStack, type RehearsalStackProps } from './rehearsal-stack';
export { RehearsalObservability, type RehearsalObservabilityProps } from './observability';
export { observabilityPropsFromConfig } from './observability/from-config';
