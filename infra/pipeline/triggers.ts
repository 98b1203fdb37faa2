import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule, type EventPattern } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AwsConfig } from '../../shared/aws/config-schema';
import { CUSTOM_DEPLOY_DETAIL_TYPE, CUSTOM_SOURCE, MANUAL_DETAIL_TYPE } from '../../shared/aws/deploy-events';

/**
 * The EventBridge rules that start refreshes, all targeting the trigger function (which decides, dedups
 * and serialises). Rules narrow what reaches it; the function re-checks every event, so a rule edited
 * by hand cannot start a refresh for the wrong pipeline. Events the function cannot take after retries
 * land in a dead-letter queue.
 */
export class RehearsalTriggers extends Construct {
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, triggerFunction: IFunction, triggers: AwsConfig['triggers']) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const target = new LambdaFunction(triggerFunction, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.hours(6) });
    const rule = (ruleId: string, description: string, pattern: EventPattern | undefined, schedule?: Schedule): void => {
      this.rules.push(new Rule(this, ruleId, { description, targets: [target], ...(pattern ? { eventPattern: pattern } : {}), ...(schedule ? { schedule } : {}) }));
    };
    if (triggers.codePipelines.length > 0) {
      rule('CodePipelineSucceeded', 'rehearsal: a production pipeline succeeded', {
        source: ['aws.codepipeline'], detailType: ['CodePipeline Pipeline Execution State Change'],
        detail: { pipeline: [...triggers.codePipelines], state: ['SUCCEEDED'] },
      });
    }
    if (triggers.codeDeploy.length > 0) {
      rule('CodeDeploySucceeded', 'rehearsal: a production deployment succeeded', {
        source: ['aws.codedeploy'], detailType: ['CodeDeploy Deployment State-change Notification'],
        detail: {
          application: [...new Set(triggers.codeDeploy.map((t) => t.application))],
          deploymentGroup: [...new Set(triggers.codeDeploy.map((t) => t.deploymentGroup))],
          state: ['SUCCESS'],
        },
      });
    }
    if (triggers.customEvents) {
      rule('CustomDeploy', `rehearsal: a CI system sent ${CUSTOM_SOURCE}`, { source: [CUSTOM_SOURCE], detailType: [CUSTOM_DEPLOY_DETAIL_TYPE] });
    }
    rule('ManualRefresh', 'rehearsal: a person asked for a refresh', { source: [CUSTOM_SOURCE], detailType: [MANUAL_DETAIL_TYPE] });
    if (triggers.schedule) rule('Schedule', 'rehearsal: scheduled refresh', undefined, Schedule.expression(triggers.schedule));
  }
}
