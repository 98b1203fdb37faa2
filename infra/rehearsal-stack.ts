import { Stack, type StackProps } from 'aws-cdk-lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AwsDeployment } from '../shared/aws/resources';
import type { Config } from '../shared/config/schema';
import { RehearsalPipeline } from './pipeline/rehearsal-pipeline';

/** Props of {@link RehearsalStack}. */
export interface RehearsalStackProps extends StackProps {
  readonly config: Config;
  readonly deployment: AwsDeployment;
  /** On-call topic for failed refreshes (the observability construct's topic). */
  readonly onCallTopic?: ITopic;
}

/**
 * The ready-made app's stack: the refresh pipeline for one bot and environment. Observability
 * (alarms, dashboard, the on-call topic) goes beside the pipeline, created first so its topic can be
 * passed in; it reaches the state machine by name:
 *
 * @example
 * const stateMachine = StateMachine.fromStateMachineName(this, 'RefreshMachine', stateMachineNameFor(config));
 * const observability = new RehearsalObservability(this, 'Observability', { ..., stateMachine });
 * new RehearsalPipeline(this, 'Pipeline', { config, deployment, onCallTopic: observability.topic });
 */
export class RehearsalStack extends Stack {
  readonly pipeline: RehearsalPipeline;

  constructor(scope: Construct, id: string, props: RehearsalStackProps) {
    super(scope, id, props);
    this.pipeline = new RehearsalPipeline(this, 'Pipeline', {
      config: props.config,
      deployment: props.deployment,
      ...(props.onCallTopic ? { onCallTopic: props.onCallTopic } : {}),
    });
  }
}
