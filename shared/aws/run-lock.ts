import { PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsStep } from './aws-errors';

/** The partition key of the one lock item; deploy markers use `deploy#<deployId>`. */
export const LOCK_KEY = 'lock';
/** How long a deploy marker is kept (DynamoDB TTL): longer than EventBridge's 24-hour redelivery window. */
export const DEDUP_TTL_SECONDS = 14 * 24 * 3600;

/** What {@link RunLock.release} found waiting. */
export interface Released {
  /** The deploy that arrived while the run held the lock, to start now. */
  readonly pendingDeployId?: string;
}

/**
 * Idempotency and serialisation of refreshes, in one DynamoDB table (partition key `pk`, TTL attribute
 * `expiresAt`):
 * - `deploy#<id>` items: a conditional put per deploy, so a redelivered event never starts a second run;
 * - the `lock` item: `holder` (run id) with `lockedUntil` (a run that died frees it when that passes),
 *   and at most one `pendingDeployId`: triggers arriving during a run overwrite it (they coalesce; the
 *   newest deploy is what the next refresh copies anyway).
 */
export class RunLock {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a deploy; false when it was seen before (a redelivery). */
  async claimDeploy(deployId: string): Promise<boolean> {
    const seconds = Math.floor(this.now().getTime() / 1000);
    return this.#conditional(`recording deploy ${deployId}`, () => this.dynamo.send(new PutItemCommand({
      TableName: this.tableName,
      Item: { pk: { S: `deploy#${deployId}` }, receivedAt: { S: this.now().toISOString() }, expiresAt: { N: String(seconds + DEDUP_TTL_SECONDS) } },
      ConditionExpression: 'attribute_not_exists(pk)',
    })));
  }

  /** Takes the lock for a run until `lockedUntil`; false when another live run holds it. */
  async acquire(runId: string, deployId: string, holdForMs: number): Promise<boolean> {
    const now = this.now();
    return this.#conditional(`taking the run lock for ${runId}`, () => this.dynamo.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: { pk: { S: LOCK_KEY } },
      UpdateExpression: 'SET holder = :run, deployId = :deploy, lockedUntil = :until',
      ConditionExpression: 'attribute_not_exists(holder) OR lockedUntil < :now',
      ExpressionAttributeValues: {
        ':run': { S: runId }, ':deploy': { S: deployId },
        ':until': { S: new Date(now.getTime() + holdForMs).toISOString() }, ':now': { S: now.toISOString() },
      },
    })));
  }

  /** Leaves a deploy for after the current run (replacing any older pending one); false when no live run holds the lock any more. */
  async queuePending(deployId: string): Promise<boolean> {
    const now = this.now().toISOString();
    return this.#conditional(`queueing deploy ${deployId}`, () => this.dynamo.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: { pk: { S: LOCK_KEY } },
      UpdateExpression: 'SET pendingDeployId = :deploy, pendingSince = if_not_exists(pendingSince, :now)',
      ConditionExpression: 'attribute_exists(holder) AND lockedUntil >= :now',
      ExpressionAttributeValues: { ':deploy': { S: deployId }, ':now': { S: now } },
    })));
  }

  /** Frees the lock held by `runId` and hands back the pending deploy, if any. Idempotent: a second call finds nothing. */
  async release(runId: string): Promise<Released> {
    try {
      const old = await this.dynamo.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: LOCK_KEY } },
        UpdateExpression: 'REMOVE holder, deployId, lockedUntil, pendingDeployId, pendingSince',
        ConditionExpression: 'holder = :run',
        ExpressionAttributeValues: { ':run': { S: runId } },
        ReturnValues: 'ALL_OLD',
      }));
      const pending = old.Attributes?.['pendingDeployId']?.S;
      return pending ? { pendingDeployId: pending } : {};
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return {};
      return awsStep(`releasing the run lock of ${runId}`, () => Promise.reject(error));
    }
  }

  async #conditional(action: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      return awsStep(action, () => Promise.reject(error));
    }
  }
}
