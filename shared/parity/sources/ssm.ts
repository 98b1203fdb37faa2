import { GetParametersByPathCommand, PutParameterCommand, type ParameterType, type SSMClient } from '@aws-sdk/client-ssm';
import { assertNoProductionTarget, type ProductionTargets } from '../production-targets';
import { call } from './aws-call';
import type { ConfigSource } from './source';

/**
 * Every parameter under an SSM path (recursive, decrypted); keys are names relative to the path.
 * Writes keep a parameter's type (a SecureString stays one); new keys are written as String, since
 * only copy and override keys (not secret by policy) are ever written. A write under production's
 * path is refused before anything is sent.
 */
export function ssmSource(ssm: Pick<SSMClient, 'send'>, path: string, production: ProductionTargets): ConfigSource {
  const types = new Map<string, ParameterType>();
  const description = `SSM path ${path}`;
  return {
    description,
    async read() {
      const values = new Map<string, string>();
      let nextToken: string | undefined;
      do {
        const page = await call(description, () => ssm.send(new GetParametersByPathCommand({
          Path: path, Recursive: true, WithDecryption: true, ...(nextToken ? { NextToken: nextToken } : {}),
        })));
        for (const parameter of page.Parameters ?? []) {
          if (parameter.Name === undefined || parameter.Value === undefined) continue;
          const key = parameter.Name.slice(path.length);
          values.set(key, parameter.Value);
          if (parameter.Type) types.set(key, parameter.Type);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return values;
    },
    async write(changes) {
      assertNoProductionTarget([...changes.keys()].map((key) => ({ kind: 'ssm', name: `${path}${key}` })), production, description);
      for (const [key, value] of changes) {
        await call(description, () => ssm.send(new PutParameterCommand({ Name: `${path}${key}`, Value: value, Type: types.get(key) ?? 'String', Overwrite: true })), 'write');
      }
    },
  };
}
