import type { InitializeMiddleware } from '@smithy/types';
import type { GuardableClient } from '../aws/production-guard';
import { assertNoProductionTarget, type ProductionTargets, type WriteTarget } from './production-targets';

/** The services parity talks to. */
export type ParityService = 'ssm' | 'secretsManager' | 'lambda';

/** The middleware's name in the client's stack. */
export const PARITY_GUARD_MIDDLEWARE_NAME = 'rehearsalParityProductionGuard';

const READ_ONLY = /^(Describe|List|Get|BatchGet)[A-Za-z0-9]*Command$/;

/** The targets a command's input names, by the fields each service uses to name what it changes. */
export function commandTargets(service: ParityService, input: unknown): WriteTarget[] {
  const fields = (input ?? {}) as Record<string, unknown>;
  const text = (value: unknown): value is string => typeof value === 'string';
  if (service === 'ssm') {
    const names = [fields['Name'], fields['ResourceId'], ...(Array.isArray(fields['Names']) ? (fields['Names'] as unknown[]) : [])];
    return names.filter(text).map((name) => ({ kind: 'ssm', name }));
  }
  if (service === 'secretsManager') {
    const rawTags = Array.isArray(fields['Tags']) ? (fields['Tags'] as { Key?: unknown; Value?: unknown }[]) : [];
    const tags = rawTags.filter((tag) => text(tag.Key) && text(tag.Value)).map((tag) => ({ key: String(tag.Key), value: String(tag.Value) }));
    return [fields['Name'], fields['SecretId']].filter(text).map((name) => ({ kind: 'secret', name, tags }));
  }
  return [fields['FunctionName']].filter(text).map((functionName) => ({ kind: 'lambda', functionName }));
}

/**
 * Refuses an SDK command that would change a production target of the parity config. Read-only
 * commands (Get, List, Describe) pass.
 *
 * @throws {@link ProductionWriteBlockedError} naming the command and the target.
 */
export function assertParityCommandAllowed(service: ParityService, commandName: string, input: unknown, production: ProductionTargets): void {
  if (READ_ONLY.test(commandName)) return;
  assertNoProductionTarget(commandTargets(service, input), production, `${commandName.replace(/Command$/, '')}`);
}

/**
 * Attaches the parity guard to a client, first in its `initialize` step: a refused command never
 * reaches signing or the network. The second line of defence behind the sources' own checks (which
 * also know a secret's tags); returns the client for one-liners.
 */
export function guardParityClient<C extends GuardableClient<I, O>, I extends object = object, O extends object = object>(
  client: C & GuardableClient<I, O>, service: ParityService, production: ProductionTargets,
): C {
  const guard: InitializeMiddleware<I, O> = (next, context) => async (args) => {
    assertParityCommandAllowed(service, context.commandName ?? 'UnknownCommand', args.input, production);
    return next(args);
  };
  client.middlewareStack.add(guard, { step: 'initialize', name: PARITY_GUARD_MIDDLEWARE_NAME, priority: 'high' });
  return client;
}
