import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { PHASE_RECORDS_PATTERN, REPORTS_BUCKET_ENV } from '../../infra/pipeline/publish-access';
import { stateNameOf } from '../../infra/pipeline/state-machine-definition';
import { PHASE_TABLE } from '../../shared/pipeline/phase-table';
import { LATEST_FOLDER, reportKey } from '../../shared/report/s3-upload';
import { rdsConfig } from '../shared/aws/factories';
import { synthStack } from './synth';

const { stack, template } = synthStack(rdsConfig());
const logicalId = (construct: { node: { defaultChild?: unknown } }): string => Stack.of(stack).getLogicalId(construct.node.defaultChild as CfnElement);
const topicId = logicalId(stack.observability.topic);
const bucketId = logicalId(stack.observability.reportsBucket);

/** The logical id of the function whose construct path contains `/<name>/`. */
function functionId(name: string): string {
  const fn = stack.pipeline.functions[name];
  if (!fn) throw new Error(`no function ${name}`);
  return logicalId(fn);
}

/** The policies attached to a function's role. */
function policiesOf(name: string): unknown[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(name)] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy).includes(`"Ref":"${roleId}"`));
}

interface PolicyResource { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }

/** The resources of every statement granting this action on the reports bucket to a function's role. */
function reportsBucketResourcesOf(name: string, action: string): unknown[] {
  return policiesOf(name).flatMap((policy) => (policy as PolicyResource).Properties.PolicyDocument.Statement)
    .filter((statement) => [statement.Action].flat().includes(action) && JSON.stringify(statement.Resource).includes(`"${bucketId}"`))
    .flatMap((statement) => [statement.Resource].flat());
}

const putResourcesOf = (name: string): unknown[] => reportsBucketResourcesOf(name, 's3:PutObject');

describe('RehearsalStack', () => {
  it("has an alarm for each way a refresh goes wrong, each notifying the stack's on-call topic on ALARM and OK", () => {
    // GIVEN / WHEN: the example-like RDS config
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmName: string; AlarmActions: unknown[]; OKActions: unknown[] } }[];

    // THEN
    expect(alarms.map((alarm) => alarm.Properties.AlarmName).sort()).toEqual(
      ['ConfigDrift', 'ConversationFailed', 'ExecutionFailed', 'LeakedSecret', 'PiiFound', 'RefreshFailed', 'Stale'].map((id) => `rehearsal-support-bot-staging-${id}`),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it("watches the pipeline's own state machine, reached by its configured name", () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'rehearsal-support-bot-staging' });
    const executionFailed = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'rehearsal-support-bot-staging-ExecutionFailed' } }));

    expect(JSON.stringify(executionFailed)).toContain(':states:eu-west-1:123456789012:stateMachine:rehearsal-support-bot-staging');
  });

  it("sends a failed run to the observability construct's topic from the state machine", () => {
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));

    // Both notifications (a failed run, a finish step that broke) publish to the topic, and to nothing else.
    const definition = JSON.stringify(machine);
    expect(definition.split(JSON.stringify({ Ref: topicId })).length - 1).toBe(2);
    expect(definition.match(/TopicArn/g)).toHaveLength(2);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: topicId } })]) },
    });
  });

  it('tells the publish function the reports bucket and lets it put objects there, and no other check function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'rehearsal publish',
      Environment: { Variables: Match.objectLike({ [REPORTS_BUCKET_ENV]: { Ref: bucketId } }) },
    });
    const publishPolicies = JSON.stringify(policiesOf('Publish'));

    expect(publishPolicies).toContain('"s3:PutObject"');
    expect(publishPolicies).toContain(`{"Fn::GetAtt":["${bucketId}","Arn"]},"/*"`);
    expect(publishPolicies).toContain('"cloudwatch:GetMetricData"');
    for (const other of ['Converse', 'Load', 'Reconcile']) expect(JSON.stringify(putResourcesOf(other))).not.toContain(`{"Fn::GetAtt":["${bucketId}","Arn"]},"/*"]`);
  });

  it("lets every other phase function (and the load merge) put only its record under */phases/* of the reports bucket, told the bucket", () => {
    const writers = [...PHASE_TABLE.filter((row) => row.name !== 'publish').map((row) => stateNameOf(row.name)), 'LoadMerge'];
    const phasesOnly = [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${PHASE_RECORDS_PATTERN}`]] }];

    for (const name of writers) {
      const fn = template.findResources('AWS::Lambda::Function')[functionId(name)] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      expect([name, fn.Properties.Environment.Variables[REPORTS_BUCKET_ENV]]).toEqual([name, { Ref: bucketId }]);
      // Shared roles carry other phases' grants too: every PutObject any of them has is on the phases/ folders only.
      expect([name, putResourcesOf(name)]).toEqual([name, phasesOnly]);
      expect([name, reportsBucketResourcesOf(name, 's3:GetObject*')]).toEqual([name, []]);
    }
  });

  it('lets publish read the reports bucket, to rebuild the report from the phase records', () => {
    const statements = policiesOf('Publish').flatMap((policy) => (policy as PolicyResource).Properties.PolicyDocument.Statement);

    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
      Resource: [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }],
    }));
  });

  it('links every alarm runbook to the key publish uploads the latest report to, in the reports bucket', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmDescription: unknown } }[];
    const key = reportKey('support-bot', LATEST_FOLDER, 'report.html');

    for (const alarm of alarms) {
      const description = JSON.stringify(alarm.Properties.AlarmDescription);
      expect(description).toContain(`{"Ref":"${bucketId}"}`);
      expect(description).toContain(`/${key}`);
    }
  });
});
