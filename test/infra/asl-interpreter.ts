/**
 * Not a test: a small interpreter for the Amazon States Language subset the refresh state machine uses
 * (Task with Retry/Catch, Map with ItemsPath/ItemSelector/ResultPath/Catch, Choice, Wait, Pass, Succeed, Fail;
 * JSONPath `$.a.b` and `$$.Map.Item.Value.a` paths), so a test can run
 * the synthesized definition against real handler cores, the way Step Functions would.
 */

type Json = Record<string, unknown>;
type StateDef = Json & { Type: string; Next?: string; End?: boolean };
export type Invoke = (resource: { functionName?: string; kind: 'lambda' | 'sns' }, payload: unknown) => Promise<unknown>;

export interface Trace {
  readonly visited: string[];
  readonly waits: number[];
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly error?: string;
  readonly errorMessage?: string;
}

export async function runDefinition(definition: { StartAt: string; States: Record<string, Json> }, input: unknown, invoke: Invoke, maxSteps = 2_000): Promise<Trace> {
  const visited: string[] = [];
  const waits: number[] = [];
  let name = definition.StartAt;
  let data: unknown = input;
  for (let step = 0; step < maxSteps; step += 1) {
    const state = definition.States[name] as StateDef | undefined;
    if (!state) throw new Error(`no state named ${name}`);
    visited.push(name);
    switch (state.Type) {
      case 'Succeed':
        return { visited, waits, status: 'SUCCEEDED', output: data };
      case 'Fail':
        return { visited, waits, status: 'FAILED', output: data, error: String(state['Error']) };
      case 'Pass':
        data = state['Result'] === undefined ? data : setPath(data, String(state['ResultPath'] ?? '$'), state['Result']);
        break;
      case 'Wait':
        waits.push(Number(get(data, String(state['SecondsPath']))));
        break;
      case 'Choice': {
        const choices = state['Choices'] as (Json & { Next: string })[];
        const chosen = choices.find((choice) => matches(choice, data));
        name = chosen ? chosen.Next : String(state['Default']);
        continue;
      }
      case 'Map':
      case 'Task': {
        const outcome: StepOutcome = state.Type === 'Map' ? await runMap(state, data, invoke) : await runTask(state, data, invoke);
        if ('next' in outcome) {
          data = outcome.data;
          name = outcome.next;
          continue;
        }
        if ('failed' in outcome) return { visited, waits, status: 'FAILED', output: data, error: outcome.failed, ...(outcome.errorMessage === undefined ? {} : { errorMessage: outcome.errorMessage }) };
        data = outcome.data;
        break;
      }
      default:
        throw new Error(`state type ${state.Type} not supported`);
    }
    if (state.End || !state.Next) return { visited, waits, status: 'SUCCEEDED', output: data };
    name = state.Next;
  }
  throw new Error(`more than ${maxSteps} steps`);
}

/** What running a Task or Map state gave: its output, a caught error's next state, or a failure. */
type StepOutcome = { data: unknown } | { data: unknown; next: string } | { failed: string; errorMessage?: string };

async function runTask(state: StateDef, data: unknown, invoke: Invoke): Promise<StepOutcome> {
  const resource = String(state['Resource']);
  const parameters = state['Parameters'] as Json;
  const retriers = ((state['Retry'] as Json[] | undefined) ?? []).map((r) => ({ errors: r['ErrorEquals'] as string[], max: Number(r['MaxAttempts'] ?? 3), used: 0 }));
  for (let retryCount = 0; ; retryCount += 1) {
    try {
      let result: unknown;
      if (resource.includes('lambda:invoke')) {
        const resolved = resolve(parameters, data, { retryCount }) as Json;
        result = { Payload: structuredClone(await invoke({ functionName: String(resolved['FunctionName']), kind: 'lambda' }, structuredClone(resolved['Payload']))) };
      } else {
        result = await invoke({ kind: 'sns' }, resolve(parameters, data, { retryCount }));
      }
      const placed = state['ResultPath'] === undefined ? result : setPath(data, String(state['ResultPath']), result);
      return { data: state['OutputPath'] ? get(placed, String(state['OutputPath'])) : placed };
    } catch (error) {
      const errorName = error instanceof Error ? error.name : 'Error';
      const retrier = retriers.find((r) => r.errors.includes(errorName) || r.errors.includes('States.ALL'));
      if (retrier && retrier.used < retrier.max) {
        retrier.used += 1;
        continue;
      }
      return caught(state, data, errorName, error instanceof Error ? error.message : String(error));
    }
  }
}

/** Runs the item processor once per item, all at once (as a Map state with MaxConcurrency above the item count does). */
async function runMap(state: StateDef, data: unknown, invoke: Invoke): Promise<StepOutcome> {
  const items = get(data, String(state['ItemsPath'] ?? '$')) as unknown[];
  const processor = (state['ItemProcessor'] ?? state['Iterator']) as { StartAt: string; States: Record<string, Json> };
  const selector = state['ItemSelector'];
  const traces = await Promise.all(items.map((item, index) =>
    runDefinition(processor, selector === undefined ? item : resolve(selector, data, { retryCount: 0, item: { Value: item, Index: index } }), invoke)));
  const failed = traces.find((trace) => trace.status === 'FAILED');
  if (failed) return caught(state, data, failed.error ?? 'States.TaskFailed', failed.errorMessage ?? '');
  const results = traces.map((trace) => trace.output);
  return { data: state['ResultPath'] === undefined ? results : setPath(data, String(state['ResultPath']), results) };
}

/** A state's Catch for an error, as Step Functions applies it (Cause is Lambda's JSON error document). */
function caught(state: StateDef, data: unknown, errorName: string, message: string): { data: unknown; next: string } | { failed: string; errorMessage?: string } {
  const catcher = ((state['Catch'] as (Json & { Next: string })[] | undefined) ?? []).find((c) => (c['ErrorEquals'] as string[]).some((e) => e === errorName || e === 'States.ALL'));
  if (!catcher) return { failed: errorName, errorMessage: message };
  const cause = JSON.stringify({ errorType: errorName, errorMessage: message, trace: ['(trace)'] });
  return { data: setPath(data, String(catcher['ResultPath'] ?? '$'), { Error: errorName, Cause: cause }), next: catcher.Next };
}

function matches(rule: Json, data: unknown): boolean {
  if (Array.isArray(rule['And'])) return (rule['And'] as Json[]).every((inner) => matches(inner, data));
  const value = get(data, String(rule['Variable']));
  if ('StringEquals' in rule) return value === rule['StringEquals'];
  if ('IsPresent' in rule) return (value !== undefined) === rule['IsPresent'];
  if ('NumericLessThan' in rule) return typeof value === 'number' && value < Number(rule['NumericLessThan']);
  throw new Error(`condition not supported: ${JSON.stringify(rule)}`);
}

function resolve(template: unknown, data: unknown, context: { retryCount: number; item?: { Value: unknown; Index: number } }): unknown {
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(Object.entries(template as Json).map(([key, value]) => {
    if (!key.endsWith('.$')) return [key, resolve(value, data, context)];
    const path = String(value);
    if (path === '$$.State.RetryCount') return [key.slice(0, -2), context.retryCount];
    if (path.startsWith('$$.Map.Item.')) return [key.slice(0, -2), get(context.item, `$${path.slice('$$.Map.Item'.length)}`)];
    return [key.slice(0, -2), get(data, path)];
  }));
}

function get(data: unknown, path: string): unknown {
  if (path === '$') return data;
  return path.slice(2).split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key] : undefined), data);
}

function setPath(data: unknown, path: string, value: unknown): unknown {
  if (path === '$') return value;
  const keys = path.slice(2).split('.');
  const root = structuredClone((data ?? {}) as Json);
  let node = root;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Json;
  node[keys[keys.length - 1] ?? ''] = value;
  return root;
}
