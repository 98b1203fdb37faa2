import {
  CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand,
  type Filter, type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { assertNoProductionTarget, type ProductionTargets, type WriteTarget } from '../production-targets';
import { call } from './aws-call';
import type { ConfigSource } from './source';

/** Which secrets make up one environment: a name prefix or a tag. */
export type SecretsSelector = { readonly prefix: string } | { readonly tag: { readonly key: string; readonly value: string } };

/** One secret as read: its ARN, name and tags, and its fields when it is a JSON object read field by field. */
interface ReadSecret {
  readonly arn: string;
  readonly name: string;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  readonly fields?: Record<string, string>;
}

/**
 * Secrets Manager secrets selected by name prefix (keys are the names without it) or by tag (keys are
 * the names). Values are the SecretString, whole; with `jsonFields`, a secret holding a JSON object of
 * strings gives one key per field, `name/FIELD` (the common `{ "username": ..., "password": ... }`).
 * Writes put a new version of an existing secret (all its other fields kept), or create one; only
 * copy and override keys are ever written. A write whose secret is production's (its name has
 * production's prefix, or it carries production's tag) is refused before anything is sent.
 */
export function secretsManagerSource(
  secrets: Pick<SecretsManagerClient, 'send'>, selector: SecretsSelector, options: { jsonFields?: boolean; production: ProductionTargets },
): ConfigSource {
  const description = 'prefix' in selector
    ? `Secrets Manager prefix ${selector.prefix}`
    : `Secrets Manager tag ${selector.tag.key}=${selector.tag.value}`;
  const filters: Filter[] = 'prefix' in selector
    ? [{ Key: 'name', Values: [selector.prefix] }]
    : [{ Key: 'tag-key', Values: [selector.tag.key] }, { Key: 'tag-value', Values: [selector.tag.value] }];
  const keyOf = (name: string): string | undefined => {
    if (!('prefix' in selector)) return name;
    // The name filter matches prefixes of words too: keep only names that really start with it.
    return name.startsWith(selector.prefix) ? name.slice(selector.prefix.length) : undefined;
  };
  const nameOf = (key: string): string => ('prefix' in selector ? `${selector.prefix}${key}` : key);
  const read = new Map<string, ReadSecret>();

  const create = (key: string, secretString: string) => call(description, () => secrets.send(new CreateSecretCommand({
    Name: nameOf(key), SecretString: secretString,
    ...('tag' in selector ? { Tags: [{ Key: selector.tag.key, Value: selector.tag.value }] } : {}),
  })), 'write');
  const put = (arn: string, secretString: string) => call(description, () => secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: secretString })), 'write');

  return {
    description,
    async read() {
      const values = new Map<string, string>();
      read.clear();
      let nextToken: string | undefined;
      do {
        const page = await call(description, () => secrets.send(new ListSecretsCommand({ Filters: filters, ...(nextToken ? { NextToken: nextToken } : {}) })));
        for (const entry of page.SecretList ?? []) {
          const key = entry.Name === undefined ? undefined : keyOf(entry.Name);
          if (key === undefined || entry.ARN === undefined) continue;
          const arn = entry.ARN;
          const secret = await call(description, () => secrets.send(new GetSecretValueCommand({ SecretId: arn })));
          if (secret.SecretString === undefined) continue;
          const fields = options.jsonFields ? stringFields(secret.SecretString) : undefined;
          if (fields) {
            for (const [field, value] of Object.entries(fields)) values.set(`${key}/${field}`, value);
          } else {
            values.set(key, secret.SecretString);
          }
          const tags = (entry.Tags ?? []).flatMap((tag) => (tag.Key !== undefined && tag.Value !== undefined ? [{ key: tag.Key, value: tag.Value }] : []));
          read.set(key, { arn, name: entry.Name ?? key, tags, ...(fields ? { fields } : {}) });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return values;
    },
    async write(changes) {
      // Every call is planned, and every target checked, before the first one is sent.
      const planned: { target: WriteTarget; send: () => Promise<unknown> }[] = [];
      const newTags = 'tag' in selector ? [selector.tag] : [];
      const putTo = (existing: ReadSecret, secretString: string) => planned.push({ target: { kind: 'secret', name: existing.name, tags: existing.tags }, send: () => put(existing.arn, secretString) });
      const createAs = (key: string, secretString: string) => planned.push({ target: { kind: 'secret', name: nameOf(key), tags: newTags }, send: () => create(key, secretString) });
      const jsonUpdates = new Map<string, Record<string, string>>();
      for (const [key, value] of changes) {
        const whole = read.get(key);
        if (whole && !whole.fields) {
          putTo(whole, value);
          continue;
        }
        const slash = key.lastIndexOf('/');
        const secretKey = key.slice(0, slash);
        // A field of a JSON secret (or of a new one); beside a plain secret of that name, a secret of its own.
        if (options.jsonFields && slash > 0 && (read.get(secretKey)?.fields !== undefined || !read.has(secretKey))) {
          const fields = jsonUpdates.get(secretKey) ?? { ...read.get(secretKey)?.fields };
          fields[key.slice(slash + 1)] = value;
          jsonUpdates.set(secretKey, fields);
          continue;
        }
        createAs(key, value);
      }
      for (const [secretKey, fields] of jsonUpdates) {
        const existing = read.get(secretKey);
        if (existing) putTo(existing, JSON.stringify(fields));
        else createAs(secretKey, JSON.stringify(fields));
      }
      assertNoProductionTarget(planned.map((call) => call.target), options.production, description);
      for (const call of planned) await call.send();
    },
  };
}

/** The fields of a JSON object whose values are all strings; undefined for anything else. */
function stringFields(text: string): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  return entries.every((entry): entry is [string, string] => typeof entry[1] === 'string') ? Object.fromEntries(entries) : undefined;
}
