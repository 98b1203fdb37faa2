import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand, type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { RoleConnection, RoleSecretStore } from '../anonymize/role-credentials';
import { EnvironmentError } from '../errors';
import { awsStep, isNotFound } from './aws-errors';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

/**
 * Role secrets in Secrets Manager, with the labels rotation uses: the new password is written as an
 * AWSPENDING version whose id is the request token (a retry writes nothing new), promote moves
 * AWSCURRENT onto it, rollback moves AWSCURRENT back. Values are read only to resume a retried call and
 * never logged; messages name the secret ARN and version id only.
 */
export class AwsRoleSecretStore implements RoleSecretStore {
  constructor(
    private readonly secrets: SecretsManagerClient,
    /** Where applications reach staging once the candidate is promoted (the DNS record, or staging's endpoint in rename mode). */
    private readonly connection: (candidateId: string) => Promise<RoleConnection>,
  ) {}

  connectionFor(candidateId: string): Promise<RoleConnection> {
    return this.connection(candidateId);
  }

  async stagedPassword(secretArn: string, versionId: string): Promise<string | undefined> {
    let found;
    try {
      found = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretArn, VersionId: versionId }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      return awsStep(`reading version ${versionId} of ${secretArn}`, () => Promise.reject(error));
    }
    const parsed = z.object({ password: z.string().min(1) }).safeParse(parseJson(found.SecretString));
    if (!parsed.success) throw new EnvironmentError(`version ${versionId} of ${secretArn} holds no password field (its value is not shown)`);
    return parsed.data.password;
  }

  async stage(secretArn: string, versionId: string, value: string): Promise<void> {
    await awsStep(`staging version ${versionId} of ${secretArn}`, () => this.secrets.send(new PutSecretValueCommand({
      SecretId: secretArn, ClientRequestToken: versionId, SecretString: value, VersionStages: [PENDING],
    })));
  }

  async makeCurrent(secretArn: string, versionId: string): Promise<string | undefined> {
    const stages = await this.#stages(secretArn);
    const current = holderOf(stages, CURRENT);
    if (current === versionId) return holderOf(stages, PREVIOUS);
    await this.#move(secretArn, { VersionStage: CURRENT, MoveToVersionId: versionId, ...(current === undefined ? {} : { RemoveFromVersionId: current }) });
    if (stages[versionId]?.includes(PENDING)) await this.#move(secretArn, { VersionStage: PENDING, RemoveFromVersionId: versionId });
    return current;
  }

  async restore(secretArn: string, versionId: string, replacedVersionId: string | undefined): Promise<void> {
    const stages = await this.#stages(secretArn);
    if (replacedVersionId !== undefined && holderOf(stages, CURRENT) === versionId) {
      await this.#move(secretArn, { VersionStage: CURRENT, MoveToVersionId: replacedVersionId, RemoveFromVersionId: versionId });
    }
    if (stages[versionId]?.includes(PENDING)) await this.#move(secretArn, { VersionStage: PENDING, RemoveFromVersionId: versionId });
  }

  /**
   * {@link restore} for a run whose state is lost (the reaper): the version's labels say how far it got.
   * AWSCURRENT on it means promote made it current, and AWSPREVIOUS (which Secrets Manager moved onto
   * the version it replaced) goes back to current; AWSPENDING on it is removed. Idempotent; a version
   * that carries neither, or was never written, is left alone.
   */
  async restoreUnrecorded(secretArn: string, versionId: string): Promise<'restored' | 'pending-removed' | 'untouched'> {
    const stages = await this.#stages(secretArn);
    const labels = stages[versionId] ?? [];
    const previous = holderOf(stages, PREVIOUS);
    if (labels.includes(CURRENT) && previous !== undefined && previous !== versionId) {
      await this.#move(secretArn, { VersionStage: CURRENT, MoveToVersionId: previous, RemoveFromVersionId: versionId });
      if (labels.includes(PENDING)) await this.#move(secretArn, { VersionStage: PENDING, RemoveFromVersionId: versionId });
      return 'restored';
    }
    if (labels.includes(PENDING)) {
      await this.#move(secretArn, { VersionStage: PENDING, RemoveFromVersionId: versionId });
      return 'pending-removed';
    }
    return 'untouched';
  }

  async #stages(secretArn: string): Promise<Record<string, string[]>> {
    const described = await awsStep(`describing ${secretArn}`, () => this.secrets.send(new DescribeSecretCommand({ SecretId: secretArn })));
    return described.VersionIdsToStages ?? {};
  }

  async #move(secretArn: string, move: { VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }): Promise<void> {
    await awsStep(`moving ${move.VersionStage} of ${secretArn}`, () => this.secrets.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, ...move })));
  }
}

function holderOf(stages: Record<string, string[]>, stage: string): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(stage))?.[0];
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
