import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { assertNoProductionTarget, type ProductionTargets } from '../production-targets';
import { call } from './aws-call';
import type { ConfigSource } from './source';

/**
 * The environment variables of named Lambda functions. `functions` maps an alias (the same in
 * production and staging, e.g. `api`) to the function name; keys are `alias/VARIABLE`. Writes read
 * the function's variables again and update them all at once, since the API replaces the whole map.
 * A write to one of production's functions is refused before anything is sent (reads included).
 */
export function lambdaEnvSource(lambda: Pick<LambdaClient, 'send'>, functions: Readonly<Record<string, string>>, production: ProductionTargets): ConfigSource {
  const description = `Lambda environment of ${Object.values(functions).join(', ')}`;
  const variablesOf = async (functionName: string): Promise<Record<string, string>> => {
    const configuration = await call(description, () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })));
    return configuration.Environment?.Variables ?? {};
  };
  return {
    description,
    async read() {
      const values = new Map<string, string>();
      for (const [alias, functionName] of Object.entries(functions)) {
        for (const [name, value] of Object.entries(await variablesOf(functionName))) values.set(`${alias}/${name}`, value);
      }
      return values;
    },
    async write(changes) {
      const touched = Object.entries(functions).filter(([alias]) => [...changes.keys()].some((key) => key.startsWith(`${alias}/`)));
      assertNoProductionTarget(touched.map(([, functionName]) => ({ kind: 'lambda', functionName })), production, description);
      for (const [alias, functionName] of Object.entries(functions)) {
        const mine = [...changes].filter(([key]) => key.startsWith(`${alias}/`));
        if (mine.length === 0) continue;
        const variables = await variablesOf(functionName);
        for (const [key, value] of mine) variables[key.slice(alias.length + 1)] = value;
        await call(description, () => lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: variables } })), 'write');
      }
    },
  };
}
