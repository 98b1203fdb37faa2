import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AwsConfig } from './config-schema';

/**
 * The events that start a refresh, as EventBridge delivers them, and what is accepted. Delivery is at
 * least once: {@link DeployTrigger.deployId} is the same for every copy of one deploy, and is what
 * idempotency keys and execution names derive from.
 */

/** The custom event source CI systems send with PutEvents. */
export const CUSTOM_SOURCE = 'rehearsal.deploy';
export const CUSTOM_DEPLOY_DETAIL_TYPE = 'Deploy Completed';
export const MANUAL_DETAIL_TYPE = 'Manual Refresh Requested';

const envelope = z.object({ id: z.string().min(1), source: z.string(), 'detail-type': z.string(), time: z.string(), detail: z.unknown() });

const codePipelineDetail = z.object({ pipeline: z.string().min(1), 'execution-id': z.string().min(1), state: z.string() });
const codeDeployDetail = z.object({ application: z.string().min(1), deploymentGroup: z.string().min(1), deploymentId: z.string().min(1), state: z.string() });
const customDetail = z.object({
  /** Unique per deploy (a CI run id plus attempt, a release tag): copies of one deploy share it. */
  deployId: z.string().regex(/^[A-Za-z0-9._:/#@+-]{1,128}$/, 'expected 1-128 letters, digits or ._:/#@+-'),
  service: z.string().max(128).optional(),
  version: z.string().max(128).optional(),
}).strict();
const manualDetail = z.object({ requestedBy: z.string().min(1).max(128), reason: z.string().max(256).optional() }).strict();

/** A deploy (or schedule tick, or manual request) that should refresh staging. */
export interface DeployTrigger {
  readonly kind: 'codepipeline' | 'codedeploy' | 'custom' | 'schedule' | 'manual';
  /** Stable across redeliveries of the same deploy. */
  readonly deployId: string;
  /** One line for logs and the run report. */
  readonly description: string;
}

/** The verdict on an event: a trigger, or the reason it starts nothing. */
export type TriggerVerdict = { readonly accepted: true; readonly trigger: DeployTrigger } | { readonly accepted: false; readonly reason: string };

/** Reads an EventBridge event and decides whether it starts a refresh under the `aws.triggers` config. */
export function parseDeployEvent(event: unknown, triggers: AwsConfig['triggers']): TriggerVerdict {
  const parsed = envelope.safeParse(event);
  if (!parsed.success) return reject(`not an EventBridge event: ${issues(parsed.error)}`);
  const { source, 'detail-type': detailType, detail, id, time } = parsed.data;

  if (source === 'aws.codepipeline' && detailType === 'CodePipeline Pipeline Execution State Change') {
    const d = codePipelineDetail.safeParse(detail);
    if (!d.success) return reject(`malformed CodePipeline event ${id}: ${issues(d.error)}`);
    if (!triggers.codePipelines.includes(d.data.pipeline)) return reject(`pipeline "${d.data.pipeline}" is not in aws.triggers.codePipelines`);
    if (d.data.state !== 'SUCCEEDED') return reject(`pipeline "${d.data.pipeline}" execution is ${d.data.state}, not SUCCEEDED`);
    return accept('codepipeline', `codepipeline:${d.data.pipeline}:${d.data['execution-id']}`, `CodePipeline ${d.data.pipeline} execution ${d.data['execution-id']} succeeded`);
  }
  if (source === 'aws.codedeploy' && detailType === 'CodeDeploy Deployment State-change Notification') {
    const d = codeDeployDetail.safeParse(detail);
    if (!d.success) return reject(`malformed CodeDeploy event ${id}: ${issues(d.error)}`);
    const { application, deploymentGroup, deploymentId, state } = d.data;
    if (!triggers.codeDeploy.some((t) => t.application === application && t.deploymentGroup === deploymentGroup)) {
      return reject(`CodeDeploy ${application}/${deploymentGroup} is not in aws.triggers.codeDeploy`);
    }
    if (state !== 'SUCCESS') return reject(`CodeDeploy deployment ${deploymentId} is ${state}, not SUCCESS`);
    return accept('codedeploy', `codedeploy:${deploymentId}`, `CodeDeploy ${application}/${deploymentGroup} deployment ${deploymentId} succeeded`);
  }
  if (source === CUSTOM_SOURCE && detailType === CUSTOM_DEPLOY_DETAIL_TYPE) {
    if (!triggers.customEvents) return reject('custom deploy events are turned off (aws.triggers.customEvents: false)');
    const d = customDetail.safeParse(detail);
    if (!d.success) return reject(`malformed ${CUSTOM_SOURCE} event ${id}: ${issues(d.error)}`);
    const what = [d.data.service, d.data.version].filter(Boolean).join(' ');
    return accept('custom', `custom:${d.data.deployId}`, `deploy ${d.data.deployId}${what ? ` (${what})` : ''}`);
  }
  if (source === CUSTOM_SOURCE && detailType === MANUAL_DETAIL_TYPE) {
    const d = manualDetail.safeParse(detail);
    if (!d.success) return reject(`malformed manual request ${id}: ${issues(d.error)}`);
    return accept('manual', `manual:${id}`, `manual refresh requested by ${d.data.requestedBy}${d.data.reason ? `: ${d.data.reason}` : ''}`);
  }
  if (source === 'aws.events' && detailType === 'Scheduled Event') {
    if (!triggers.schedule) return reject('a scheduled event arrived but aws.triggers.schedule is not set');
    return accept('schedule', `schedule:${time}`, `scheduled refresh at ${time}`);
  }
  return reject(`unrelated event: source "${source}", detail-type "${detailType}"`);
}

/**
 * A Step Functions execution name for a deploy: at most 80 characters of `[A-Za-z0-9-_]`, the same for
 * every copy of the deploy (Standard workflows refuse a second execution with a name used in the last 90 days).
 */
export function executionNameFor(deployId: string): string {
  const slug = deployId.replace(/[^A-Za-z0-9-_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  const hash = createHash('sha256').update(deployId).digest('hex').slice(0, 16);
  return `${slug}-${hash}`;
}

function accept(kind: DeployTrigger['kind'], deployId: string, description: string): TriggerVerdict {
  return { accepted: true, trigger: { kind, deployId, description } };
}

function reject(reason: string): TriggerVerdict {
  return { accepted: false, reason };
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
}
