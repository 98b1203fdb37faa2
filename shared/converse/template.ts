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
  if (parts.length === 1) return template;
  let out = parts[0] ?? '';
  for (let index = 1; index < parts.length; index += 2) {
    const name = parts[index] ?? '';
    const value = variables.get(name);
    if (value === undefined) throw new MissingVariableError(name);
    out += value + (parts[index + 1] ?? '');
  }
  return out;
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
