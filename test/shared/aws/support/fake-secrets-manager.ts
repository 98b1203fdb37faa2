import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand,
  type SecretsManagerClientResolvedConfig, type ServiceInputTypes, type ServiceOutputTypes,
} from '@aws-sdk/client-secrets-manager';
import type { AwsStub } from 'aws-sdk-client-mock';

/** Not a test: one secret's versions and staging labels, as Secrets Manager keeps them. */
export interface FakeSecret {
  readonly versions: Map<string, { value: string; stages: string[] }>;
}

function refused(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** Moves `stage` to `to` (taking it off every other version); moving AWSCURRENT leaves AWSPREVIOUS on the old holder, as Secrets Manager does. */
function attach(secret: FakeSecret, stage: string, to: string): void {
  for (const [id, version] of secret.versions) {
    if (id === to || !version.stages.includes(stage)) continue;
    version.stages = version.stages.filter((label) => label !== stage);
    if (stage === 'AWSCURRENT') {
      for (const other of secret.versions.values()) other.stages = other.stages.filter((label) => label !== 'AWSPREVIOUS');
      version.stages.push('AWSPREVIOUS');
    }
  }
  const target = secret.versions.get(to);
  if (target && !target.stages.includes(stage)) target.stages.push(stage);
}

/**
 * Answers Describe / Get / Put / UpdateSecretVersionStage for the given secrets from their state, with
 * Secrets Manager's rules: a version id is a request token (the same token again writes nothing), a
 * Put without stages becomes AWSCURRENT, a label moved while another version holds it needs that
 * version as RemoveFromVersionId, and removing a label a version does not carry is refused.
 */
export function fakeSecretsManager(stub: AwsStub<ServiceInputTypes, ServiceOutputTypes, SecretsManagerClientResolvedConfig>, secrets: Map<string, FakeSecret>): void {
  const find = (id: string): FakeSecret => {
    const secret = secrets.get(id);
    if (!secret) throw refused('ResourceNotFoundException', `no secret ${id}`);
    return secret;
  };
  stub.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => ({
    VersionIdsToStages: Object.fromEntries([...find(input.SecretId).versions].filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, [...v.stages]])),
  }));
  stub.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionId?: string; VersionStage?: string }) => {
    const secret = find(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId === undefined ? 'AWSCURRENT' : undefined);
    const entry = [...secret.versions].find(([id, v]) => (input.VersionId === undefined || id === input.VersionId) && (stage === undefined || v.stages.includes(stage)));
    if (!entry) throw refused('ResourceNotFoundException', `no such version of ${input.SecretId}`);
    return { ARN: input.SecretId, VersionId: entry[0], SecretString: entry[1].value, VersionStages: [...entry[1].stages] };
  });
  stub.on(PutSecretValueCommand).callsFake((input: { SecretId: string; ClientRequestToken?: string; SecretString: string; VersionStages?: string[] }) => {
    const secret = find(input.SecretId);
    const id = input.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(id);
    if (existing && existing.value !== input.SecretString) throw refused('ResourceExistsException', `version ${id} exists with another value`);
    if (!existing) secret.versions.set(id, { value: input.SecretString, stages: [] });
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) attach(secret, stage, id);
    return { ARN: input.SecretId, VersionId: id };
  });
  stub.on(UpdateSecretVersionStageCommand).callsFake((input: { SecretId: string; VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) => {
    const secret = find(input.SecretId);
    const holder = [...secret.versions].find(([, v]) => v.stages.includes(input.VersionStage))?.[0];
    if (input.RemoveFromVersionId !== undefined && holder !== input.RemoveFromVersionId) {
      throw refused('InvalidParameterException', `${input.VersionStage} is not on version ${input.RemoveFromVersionId}`);
    }
    if (input.MoveToVersionId !== undefined) {
      if (holder !== undefined && holder !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw refused('InvalidParameterException', `${input.VersionStage} is on ${holder}: name it as RemoveFromVersionId`);
      }
      attach(secret, input.VersionStage, input.MoveToVersionId);
    } else if (input.RemoveFromVersionId !== undefined) {
      const version = secret.versions.get(input.RemoveFromVersionId);
      if (version) version.stages = version.stages.filter((label) => label !== input.VersionStage);
    }
    return { ARN: input.SecretId };
  });
}

/** The labels of every version that carries one, by version id. */
export function labelsOf(secret: FakeSecret): Record<string, string[]> {
  return Object.fromEntries([...secret.versions].filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, [...v.stages].sort()]));
}
