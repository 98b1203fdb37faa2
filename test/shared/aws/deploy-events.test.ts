import { executionNameFor, parseDeployEvent } from '../../../shared/aws/deploy-events';
import type { AwsConfig } from '../../../shared/aws/config-schema';
import { makeDeployEvent } from './factories';

const TRIGGERS: AwsConfig['triggers'] = {
  codePipelines: ['support-bot-release'],
  codeDeploy: [{ application: 'support-bot', deploymentGroup: 'production' }],
  customEvents: true,
  schedule: 'rate(1 day)',
};

describe('parseDeployEvent', () => {
  it.each([
    ['a CodePipeline success', makeDeployEvent(), 'codepipeline:support-bot-release:exec-42'],
    ['a CodeDeploy success', makeDeployEvent({ source: 'aws.codedeploy', 'detail-type': 'CodeDeploy Deployment State-change Notification', detail: { application: 'support-bot', deploymentGroup: 'production', deploymentId: 'd-ABC123', state: 'SUCCESS' } }), 'codedeploy:d-ABC123'],
    ['a custom deploy event', makeDeployEvent({ source: 'rehearsal.deploy', 'detail-type': 'Deploy Completed', detail: { deployId: 'gh-run-991-attempt-1', service: 'support-bot', version: 'v1.4.0' } }), 'custom:gh-run-991-attempt-1'],
    ['a manual request', makeDeployEvent({ source: 'rehearsal.deploy', 'detail-type': 'Manual Refresh Requested', detail: { requestedBy: 'alice' } }), 'manual:e0f1a2b3-0000-4000-8000-000000000001'],
    ['a schedule tick', makeDeployEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }), 'schedule:2026-11-26T08:00:00Z'],
  ])('accepts %s with a deploy id stable across redeliveries', (_label, event, deployId) => {
    const first = parseDeployEvent(event, TRIGGERS);
    const redelivered = parseDeployEvent(structuredClone(event), TRIGGERS);

    expect(first).toMatchObject({ accepted: true, trigger: { deployId } });
    expect(redelivered).toEqual(first);
  });

  it.each([
    ['an unrelated event', makeDeployEvent({ source: 'aws.s3', 'detail-type': 'Object Created' }), 'unrelated event: source "aws.s3", detail-type "Object Created"'],
    ['a failed pipeline', makeDeployEvent({ detail: { pipeline: 'support-bot-release', 'execution-id': 'x', state: 'FAILED' } }), 'execution is FAILED, not SUCCEEDED'],
    ['another pipeline', makeDeployEvent({ detail: { pipeline: 'payments', 'execution-id': 'x', state: 'SUCCEEDED' } }), 'pipeline "payments" is not in aws.triggers.codePipelines'],
    ['a CodeDeploy group not configured', makeDeployEvent({ source: 'aws.codedeploy', 'detail-type': 'CodeDeploy Deployment State-change Notification', detail: { application: 'support-bot', deploymentGroup: 'canary', deploymentId: 'd-1', state: 'SUCCESS' } }), 'CodeDeploy support-bot/canary is not in aws.triggers.codeDeploy'],
    ['a malformed pipeline event', makeDeployEvent({ detail: { pipeline: 'support-bot-release' } }), 'malformed CodePipeline event'],
    ['a custom event without a deploy id', makeDeployEvent({ source: 'rehearsal.deploy', 'detail-type': 'Deploy Completed', detail: { service: 'x' } }), 'deployId'],
    ['a custom deploy id with spaces', makeDeployEvent({ source: 'rehearsal.deploy', 'detail-type': 'Deploy Completed', detail: { deployId: 'a b' } }), 'expected 1-128 letters'],
    ['something that is not an event', 'hello', 'not an EventBridge event'],
  ])('rejects %s with the reason', (_label, event, reason) => {
    const verdict = parseDeployEvent(event, TRIGGERS);

    expect(verdict.accepted).toBe(false);
    expect(verdict.accepted ? '' : verdict.reason).toContain(reason);
  });

  it('rejects custom deploy events and schedule ticks when they are turned off', () => {
    const off = { ...TRIGGERS, customEvents: false, schedule: undefined };
    const custom = parseDeployEvent(makeDeployEvent({ source: 'rehearsal.deploy', 'detail-type': 'Deploy Completed', detail: { deployId: 'x' } }), off);
    const tick = parseDeployEvent(makeDeployEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }), off);

    expect(custom).toEqual({ accepted: false, reason: 'custom deploy events are turned off (aws.triggers.customEvents: false)' });
    expect(tick).toEqual({ accepted: false, reason: 'a scheduled event arrived but aws.triggers.schedule is not set' });
  });
});

describe('executionNameFor', () => {
  it('gives one valid Step Functions name per deploy, distinct for deploys that slug alike', () => {
    const a = executionNameFor('codepipeline:support-bot-release:exec/42');
    const b = executionNameFor('codepipeline:support-bot-release:exec:42');

    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionNameFor('codepipeline:support-bot-release:exec/42')).toBe(a);
    expect(a).not.toBe(b);
    expect(executionNameFor('x'.repeat(200)).length).toBeLessThanOrEqual(80);
  });
});
