import { aws_chatbot as chatbot, aws_iam as iam, aws_kms as kms, aws_sns as sns, aws_sns_subscriptions as subscriptions } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { NotificationsConfig } from '../../shared/metrics/config-schema';

/** Props of {@link OnCallTopic}. */
export interface OnCallTopicProps {
  readonly bot: string;
  readonly notifications: Pick<NotificationsConfig, 'emails' | 'httpsEndpoint' | 'slack'>;
}

/**
 * The one SNS topic on-call listens to: encrypted with its own key (which CloudWatch alarms may use),
 * TLS only, with an email subscription per address, an optional HTTPS endpoint (PagerDuty, Opsgenie)
 * and optional Slack through AWS Chatbot (the Slack workspace must have been authorized once in the
 * AWS Chatbot console: CloudFormation cannot do that step). Email subscribers confirm by mail.
 */
export class OnCallTopic extends Construct {
  readonly topic: sns.Topic;
  readonly slack?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: OnCallTopicProps) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: `rehearsal ${props.bot} on-call notifications` });
    // CloudWatch alarms publish to an encrypted topic only when the key lets the service use it.
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
    this.topic = new sns.Topic(this, 'Topic', { displayName: `rehearsal ${props.bot} on-call`, masterKey: key, enforceSSL: true });
    for (const email of props.notifications.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    if (props.notifications.httpsEndpoint) {
      this.topic.addSubscription(new subscriptions.UrlSubscription(props.notifications.httpsEndpoint, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    if (props.notifications.slack) {
      this.slack = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `rehearsal-${props.bot}`,
        slackWorkspaceId: props.notifications.slack.workspaceId,
        slackChannelId: props.notifications.slack.channelId,
        notificationTopics: [this.topic],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
  }
}
