import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { AwsDeployment } from '../shared/aws/resources';
import type { Config } from '../shared/config/schema';
import { RehearsalObservability } from './observability';
import { observabilityPropsFromConfig } from './observability/from-config';
import { RehearsalPipeline, stateMachineNameFor } from './pipeline/rehearsal-pipeline';

/** Props of {@link RehearsalStack}. */
export interface RehearsalStackProps extends StackProps {
  readonly config: Config;
  readonly deployment: AwsDeployment;
  /** The file the config was read from (see `RehearsalPipelineProps.configPath`). */
  readonly configPath?: string;
}

/**
 * The ready-made app's stack: the refresh pipeline for one bot and environment, and what on-call sees
 * (alarms with runbooks, the dashboard, the on-call topic, the reports bucket). Observability is
 * created first, so its topic and bucket can be passed to the pipeline; it reaches the state machine
 * by its name, fixed by the config (a reference to the object would be a dependency cycle).
 */
export class RehearsalStack extends Stack {
  readonly observability: RehearsalObservability;
  readonly pipeline: RehearsalPipeline;

  constructor(scope: Construct, id: string, props: RehearsalStackProps) {
    super(scope, id, props);
    const { config, deployment } = props;
    const stateMachine = StateMachine.fromStateMachineName(this, 'RefreshMachine', stateMachineNameFor(config));
    this.observability = new RehearsalObservability(this, 'Observability', { ...observabilityPropsFromConfig(config), stateMachine });
    this.pipeline = new RehearsalPipeline(this, 'Pipeline', {
      config,
      deployment,
      ...(props.configPath === undefined ? {} : { configPath: props.configPath }),
      onCallTopic: this.observability.topic,
      reportsBucket: this.observability.reportsBucket,
    });
    new CfnOutput(this, 'StagingHistoryDenyPolicyArn', {
      value: this.pipeline.stagingHistoryDeny.managedPolicyArn,
      description: "Attach to people's roles: denies restoring staging to before masking and using rehearsal's snapshots of production",
    });
  }
}
