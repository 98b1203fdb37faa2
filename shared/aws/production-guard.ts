import type { InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { ProductionWriteBlockedError } from '../errors';

/** The production databases rehearsal must never modify: identifiers and ARNs. */
export interface ProtectedResources {
  /** DB instance and cluster identifiers (compared case-insensitively: RDS stores them lowercase). */
  readonly identifiers: readonly string[];
  /** Their ARNs (`arn:aws:rds:<region>:<account>:db:<id>` or `:cluster:<id>`). */
  readonly arns: readonly string[];
  /** Aurora clone mode: production may appear as `SourceDBClusterIdentifier` of a copy-on-write clone. */
  readonly allowCloneSource?: boolean;
  /** Production's secrets (`databases.production.secretArns`): no write may name one, by ARN, partial ARN or name. */
  readonly secretArns?: readonly string[];
}

/** Commands allowed to name production: they copy it, they never change it. */
const SNAPSHOT_COMMANDS = new Set(['CreateDBSnapshotCommand', 'CreateDBClusterSnapshotCommand']);
const READ_ONLY = /^(Describe|List|Get)[A-Za-z0-9]*Command$/;
/** A snapshot copy writes only its target, which must be tagged as rehearsal's. */
const SNAPSHOT_COPY = 'CopyDBSnapshotCommand';
/**
 * A tag's value labels the resource being created or tagged, it never designates one to change: every
 * snapshot and candidate carries `rehearsal:source=<production>`. The resource itself is still checked.
 */
const TAG_VALUE = /^Tags\.\[\d+\]\.Value$/;
/** RDS endpoints start with the identifier: `<id>.<hash>.<region>.rds.amazonaws.com`, `<id>.cluster-<hash>...`. */
const RDS_ENDPOINT = /^([a-z0-9-]+)\.(cluster-(ro-)?)?[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com\.?$/i;

/**
 * Refuses a command that would modify production, whatever the caller believed it was doing. Read-only
 * commands pass; `CreateDBSnapshot` / `CreateDBClusterSnapshot` pass; `AddTagsToResource` passes only on
 * a snapshot ARN; `CopyDBSnapshot` passes only into a target tagged as rehearsal's. Any other command
 * is refused when any string in its input (searched deeply, JSON in strings included) but a tag's value
 * names a production identifier, ARN or endpoint.
 *
 * @throws {@link ProductionWriteBlockedError} naming the command and the field.
 */
export function assertNotProductionWrite(commandName: string, input: unknown, resources: ProtectedResources): void {
  if (READ_ONLY.test(commandName) || SNAPSHOT_COMMANDS.has(commandName)) return;
  const names = new Set(resources.identifiers.map((id) => id.toLowerCase()));
  const arns = resources.arns.map((arn) => arn.toLowerCase());
  if (commandName === SNAPSHOT_COPY) assertRehearsalSnapshotCopy(input);
  const secrets = productionSecretForms(resources.secretArns ?? []);
  for (const [path, value] of strings(input, [])) {
    const secret = secrets.get(value.toLowerCase());
    if (secret !== undefined) {
      throw new ProductionWriteBlockedError(`refused ${commandName.replace(/Command$/, '')}: its input field ${path} names the production secret ${secret}. rehearsal only describes and snapshots production, never writes its secrets.`);
    }
    if (TAG_VALUE.test(path)) continue;
    if (commandName === 'RestoreDBClusterToPointInTimeCommand' && resources.allowCloneSource && path === 'SourceDBClusterIdentifier') continue;
    if (namesProduction(value, names, arns)) {
      throw new ProductionWriteBlockedError(
        `refused ${commandName.replace(/Command$/, '')}: its input field ${path} names the production database "${value.length > 120 ? `${value.slice(0, 120)}...` : value}". ` +
          'rehearsal only describes and snapshots production, never modifies it.',
      );
    }
  }
}

/** Each way a request can name a production secret (full ARN, ARN without the 6-character suffix, name, name without suffix) → the ARN. */
function productionSecretForms(arns: readonly string[]): Map<string, string> {
  const forms = new Map<string, string>();
  for (const arn of arns) {
    const lower = arn.toLowerCase();
    const name = lower.slice(lower.indexOf(':secret:') + ':secret:'.length);
    const unsuffixed = /-[a-z0-9]{6}$/.test(name) ? name.slice(0, -7) : name;
    for (const form of [lower, name, unsuffixed, `${lower.slice(0, lower.length - name.length)}${unsuffixed}`]) forms.set(form, arn);
  }
  return forms;
}

/** A copy whose target is not tagged `rehearsal:managed-by=rehearsal` would escape pruning and is not rehearsal's to make. */
function assertRehearsalSnapshotCopy(input: unknown): void {
  const tags: unknown = (input as { Tags?: unknown } | undefined)?.Tags;
  if (Array.isArray(tags) && tags.some((tag: { Key?: unknown; Value?: unknown }) => tag.Key === 'rehearsal:managed-by' && tag.Value === 'rehearsal')) return;
  throw new ProductionWriteBlockedError('refused CopyDBSnapshot: its target carries no rehearsal:managed-by=rehearsal tag; rehearsal only copies snapshots into its own tagged snapshots.');
}

function namesProduction(value: string, names: ReadonlySet<string>, arns: readonly string[]): boolean {
  const lower = value.toLowerCase();
  if (names.has(lower)) return true;
  if (arns.some((arn) => lower === arn || lower.startsWith(`${arn}:`) || lower.startsWith(`${arn}/`))) return true;
  const endpoint = RDS_ENDPOINT.exec(lower);
  if (endpoint?.[1] !== undefined && names.has(endpoint[1])) return true;
  if (lower.startsWith('{') || lower.startsWith('[')) return jsonNamesProduction(value, names, arns);
  return false;
}

/** A secret's value or a policy is JSON inside a string: a host in it counts too. */
function jsonNamesProduction(value: string, names: ReadonlySet<string>, arns: readonly string[]): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return [...strings(parsed, [])].some(([, inner]) => namesProduction(inner, names, arns));
  } catch {
    return false;
  }
}

function* strings(value: unknown, path: readonly string[]): Generator<[string, string]> {
  if (typeof value === 'string') yield [path.join('.') || '(input)', value];
  // A binary body (an uploaded report) names nothing, and walking it byte by byte would cost more than the call.
  else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* strings(item, [...path, `[${index}]`]);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* strings(item, [...path, key]);
}

/** An AWS SDK v3 client: the guard attaches to its middleware stack. */
export interface GuardableClient<I extends object, O extends object> {
  readonly middlewareStack: MiddlewareStack<I, O>;
}

/** The middleware's name in the client's stack (tests look for it). */
export const GUARD_MIDDLEWARE_NAME = 'rehearsalProductionWriteGuard';

/**
 * Attaches the guard to a client, first in its `initialize` step: a refused command never reaches
 * signing or the network.
 */
export function guardClient<I extends object, O extends object>(client: GuardableClient<I, O>, resources: ProtectedResources): void {
  const guard: InitializeMiddleware<I, O> = (next, context) => async (args) => {
    assertNotProductionWrite(context.commandName ?? 'UnknownCommand', args.input, resources);
    return next(args);
  };
  client.middlewareStack.add(guard, { step: 'initialize', name: GUARD_MIDDLEWARE_NAME, priority: 'high' });
}

/** Creates nothing: attaches the guard to a client just created and returns it, for module-scope one-liners. */
export function guarded<C extends GuardableClient<I, O>, I extends object = object, O extends object = object>(client: C & GuardableClient<I, O>, resources: ProtectedResources): C {
  guardClient<I, O>(client, resources);
  return client;
}
