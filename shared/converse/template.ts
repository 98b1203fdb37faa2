/**
 * `{{name}}` templates in user text, connector headers and bodies. A name is a variable captured from an
 * earlier reply, a column of the user's data row, or a built-in (`conversationId`, `userIndex`, `text`).
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** Names the connector and runner always provide. */
export const BUILT_IN_VARIABLES = ['conversationId', 'userIndex', 'text', 'target'] as const;

/** The variable names a template uses, in order of appearance. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/** Thrown when a template names a variable that has no value at run time. */
export class MissingVariableError extends Error {
  constructor(readonly variable: string) {
    super(`variable {{${variable}}} has no value`);
  }
}

/** A template split once into literal text and variable names (even indexes text, odd names). */
const compiled = new Map<string, readonly string[]>();

function partsOf(template: string): readonly string[] {
  let parts = compiled.get(template);
  if (!parts) {
    parts = template.split(PLACEHOLDER);
    // Templates come from convo and connector files: a bounded set, but never let the cache grow unbounded.
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(template, parts);
  }
  return parts;
}

/** Replaces every `{{name}}`; a name without a value throws {@link MissingVariableError}, never renders empty. */
export function renderTemplate(template: string, variables: ReadonlyMap<string, string>): string {
  const parts = partsOf(template);
  return parts.length === 1 ? template : renderParts(parts, variables);
}

function renderParts(parts: readonly string[], variables: ReadonlyMap<string, string>): string {
  let out = parts[0] ?? '';
  for (let index = 1; index < parts.length; index += 2) {
    const name = parts[index] ?? '';
    const value = variables.get(name);
    if (value === undefined) throw new MissingVariableError(name);
    out += value + (parts[index + 1] ?? '');
  }
  return out;
}

/** A template split once; calling it renders exactly as {@link renderTemplate} does. */
export interface CompiledTemplate<T = string> {
  (variables: ReadonlyMap<string, string>): T;
  /** True when the template has no `{{name}}`: the result is always the same (and the same object). */
  readonly constant: boolean;
}

/** Compiles a template for repeated rendering (no cache lookup per call; a constant costs nothing). */
export function compileTemplate(template: string): CompiledTemplate {
  const parts = template.split(PLACEHOLDER);
  if (parts.length === 1) return Object.assign(() => template, { constant: true });
  return Object.assign((variables: ReadonlyMap<string, string>) => renderParts(parts, variables), { constant: false });
}

/** Compiles a list of templates; rendering gives a new array, or the same frozen one when all are constant. */
export function compileTemplates(templates: readonly string[]): CompiledTemplate<readonly string[]> {
  const compiled = templates.map(compileTemplate);
  if (compiled.every((template) => template.constant)) {
    const constant = Object.freeze([...templates]);
    return Object.assign(() => constant, { constant: true });
  }
  return Object.assign((variables: ReadonlyMap<string, string>) => {
    // In order, so the first missing variable is the one reported, as with renderTemplate over the list.
    const rendered: string[] = [];
    for (const template of compiled) rendered.push(template(variables));
    return rendered;
  }, { constant: false });
}

/** Renders every string inside a JSON value (for connector body templates). */
export function renderJsonTemplate(value: unknown, variables: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return renderTemplate(value, variables);
  if (Array.isArray(value)) return value.map((item) => renderJsonTemplate(item, variables));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderJsonTemplate(item, variables)]));
  }
  return value;
}

/** Every variable a JSON template uses. */
export function jsonTemplateVariables(value: unknown): string[] {
  if (typeof value === 'string') return templateVariables(value);
  if (Array.isArray(value)) return value.flatMap(jsonTemplateVariables);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(jsonTemplateVariables);
  return [];
}

/**
 * Compiles a connector body template into a function giving exactly
 * `JSON.stringify(renderJsonTemplate(value, variables))`, without building the rendered value first:
 * constant parts are serialized once, only the strings with `{{name}}` are rendered and quoted per call.
 * Values beyond plain JSON (undefined, functions, class instances) keep the generic path.
 */
export function compileJsonBody(value: unknown): (variables: ReadonlyMap<string, string>) => string {
  const pieces: JsonPiece[] = [];
  if (!appendJson(value, pieces)) return (variables) => JSON.stringify(renderJsonTemplate(value, variables));
  const merged: JsonPiece[] = [];
  for (const piece of pieces) {
    const last = merged.length - 1;
    if (typeof piece === 'string' && typeof merged[last] === 'string') merged[last] += piece;
    else merged.push(piece);
  }
  if (merged.length === 1 && typeof merged[0] === 'string') {
    const text = merged[0];
    return () => text;
  }
  return (variables) => {
    let out = '';
    for (const piece of merged) out += typeof piece === 'string' ? piece : JSON.stringify(piece(variables));
    return out;
  };
}

/** JSON text, or a template whose rendering is quoted in its place. */
type JsonPiece = string | CompiledTemplate;

/** Appends the JSON of a template value in the order JSON.stringify writes it; false when not plain JSON. */
function appendJson(value: unknown, pieces: JsonPiece[]): boolean {
  if (typeof value === 'string') {
    const template = compileTemplate(value);
    pieces.push(template.constant ? JSON.stringify(value) : template);
    return true;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    pieces.push(JSON.stringify(value));
    return true;
  }
  if (Array.isArray(value)) {
    pieces.push('[');
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) pieces.push(',');
      if (!(index in value) || !appendJson(value[index], pieces)) return false;
    }
    pieces.push(']');
    return true;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    pieces.push('{');
    // Object.entries and JSON.stringify list own enumerable string keys in the same order.
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      pieces.push(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      if (!appendJson(item, pieces)) return false;
    }
    pieces.push('}');
    return true;
  }
  return false;
}
