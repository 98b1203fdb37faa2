import type pg from 'pg';
import { quoteIdent, withClient } from '../db/client';
import { readCatalog, type ColumnInfo, type TableInfo } from './catalog';
import { tablesHidingRows } from './row-security';
import type { SuggestedRules } from './errors';
import type { RulesSource } from './rule-problems';
import type { ColumnRule } from './rules-schema';
import { bytesTextSql } from './sql/core';
import { typeClassOf } from './strategies';
import { hidesPii, jsonKeySignal, nameSignal, SHAPE_NAMES, SHAPE_RULES, valueShape, type Suggestion } from './suggest-signals';

/** Options of {@link suggestRules}. */
export interface SuggestOptions {
  readonly schemas?: readonly string[];
  /** Values sampled per column (default 200). */
  readonly sample?: number;
}

/**
 * Reads the schema and a sample of each column's values (read-only) and writes a complete rules file:
 * every column with a strategy and a comment saying why (column name, sampled values, PII inside JSON
 * keys or free text, a foreign key followed, or no PII signal), for a person to review.
 */
export async function suggestRules(connection: pg.ClientConfig, options: SuggestOptions = {}): Promise<string> {
  return withClient(connection, (client) => readOnly(client, async () => {
    const catalog = await readCatalog(client, options.schemas ?? []);
    return renderRules([...catalog.values()], await suggestionsFor(client, catalog, options.sample ?? DEFAULT_SAMPLE));
  }));
}

/** Values sampled per column unless told otherwise. */
const DEFAULT_SAMPLE = 200;

/** A suggested rule for one column, with why (never a value). */
export interface ColumnSuggestion extends Suggestion {
  /** `schema.table`. */
  readonly table: string;
  readonly column: string;
}

/**
 * What {@link suggestRules} would write for some columns only (`schema.table.column`: those a release
 * added without a rule), in the catalog's order. Reads as suggest does, in a read-only transaction of
 * its own (call it outside one).
 */
export async function suggestColumns(client: pg.Client, catalog: ReadonlyMap<string, TableInfo>, columns: readonly string[], sample = DEFAULT_SAMPLE): Promise<ColumnSuggestion[]> {
  if (columns.length === 0) return [];
  const wanted = new Set(columns);
  const suggestions = await readOnly(client, () => suggestionsFor(client, catalog, sample, wanted));
  return [...catalog.values()].flatMap((table) => table.columns
    .filter((column) => wanted.has(`${table.qualified}.${column.name}`))
    .map((column) => ({ table: table.qualified, column: column.name, ...suggestionOf(suggestions, table, column.name) })));
}

/** Column suggestions as lines to add under a rules file's `tables:`, grouped by table, each with its comment. */
export function suggestedLines(suggestions: readonly ColumnSuggestion[]): string {
  const tables = new Map<string, ColumnSuggestion[]>();
  for (const suggestion of suggestions) tables.set(suggestion.table, [...(tables.get(suggestion.table) ?? []), suggestion]);
  return [...tables].flatMap(([table, columns]) => [
    `  ${yamlKey(table)}:`,
    '    columns:',
    ...columns.map((column) => `      ${yamlKey(column.column)}: ${yamlRule(column.rule)}  # ${column.why.replace(/\n/g, ' ')}`),
  ]).map((line) => `${line}\n`).join('');
}

/**
 * Rules for the columns without one (see {@link suggestColumns}) and where they go: under the
 * rules' `tables:` key (`anonymize.tables` in a config file), of `source.file` when known. Undefined
 * when no column lacks a rule.
 */
export async function suggestedRules(
  client: pg.Client, catalog: ReadonlyMap<string, TableInfo>, unclassified: readonly string[], source: Pick<RulesSource, 'file' | 'prefix'>,
): Promise<SuggestedRules | undefined> {
  if (unclassified.length === 0) return undefined;
  const key = [...source.prefix, 'tables'].join('.');
  return { lines: suggestedLines(await suggestColumns(client, catalog, unclassified)), under: source.file === undefined ? key : `${key} of ${source.file}`, rulesFile: source.prefix.length === 0 };
}

async function readOnly<T>(client: pg.Client, read: () => Promise<T>): Promise<T> {
  await client.query('BEGIN READ ONLY');
  try {
    return await read();
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * A suggestion for each column of the catalog, or of `only` and the columns their foreign keys refer
 * to (whose rule they follow), keyed `schema.table.column`.
 */
async function suggestionsFor(client: pg.Client, catalog: ReadonlyMap<string, TableInfo>, sample: number, only?: ReadonlySet<string>): Promise<Map<string, Suggestion>> {
  const tables = [...catalog.values()];
  const wanted = only === undefined ? undefined : new Set(only);
  for (const table of tables) {
    for (const column of table.columns) {
      const reference = referenceOf(table, column.name);
      if (reference !== undefined && wanted?.has(`${table.qualified}.${column.name}`)) wanted.add(reference);
    }
  }
  const asked = (table: TableInfo, column: string): boolean => wanted === undefined || wanted.has(`${table.qualified}.${column}`);
  const hidden = new Map((await tablesHidingRows(client, tables)).map((table) => [table.table, table.role]));
  const suggestions = new Map<string, Suggestion>();
  for (const table of tables) {
    for (const column of table.columns) {
      if (referenceOf(table, column.name) !== undefined || !asked(table, column.name)) continue;
      const suggestion = suggestFromSchema(table, column) ?? seenThrough(await suggestFromValues(client, table, column, sample), hidden.get(table.qualified));
      suggestions.set(`${table.qualified}.${column.name}`, suggestion);
    }
  }
  for (const table of tables) {
    for (const column of table.columns) {
      const reference = referenceOf(table, column.name);
      if (reference === undefined || !asked(table, column.name)) continue;
      const followed = suggestions.get(reference)?.rule ?? { strategy: 'keep' as const };
      suggestions.set(`${table.qualified}.${column.name}`, { rule: followed, why: `foreign key to ${reference}: follows its rule` });
    }
  }
  return suggestions;
}

/** The column a foreign key column refers to (`schema.table.column`), undefined for any other column. */
function referenceOf(table: TableInfo, column: string): string | undefined {
  const key = table.foreignKeys.find((candidate) => candidate.columns.includes(column));
  return key && `${key.refTable}.${key.refColumns[key.columns.indexOf(column)] ?? ''}`;
}

/** A sampled suggestion, saying so when row-level security showed `role` only some of the table's rows (a sample of those proves little). */
function seenThrough(suggestion: Suggestion, role: string | undefined): Suggestion {
  return role === undefined ? suggestion : { ...suggestion, why: `${suggestion.why}; row-level security showed ${role} only some rows of this table: review` };
}

/** The suggestion the schema alone gives (generated, named like PII, a key, not text): no values read. */
function suggestFromSchema(table: TableInfo, column: ColumnInfo): Suggestion | undefined {
  const cls = typeClassOf(column);
  if (column.generated) return { rule: { strategy: 'keep' }, why: 'generated column: recomputed from the others' };
  if (column.baseType === 'oid' && !column.isArray) return largeObjectReference(column);
  if (column.baseType === 'tsvector') {
    const why = 'lexemes of the text it was made from, production\'s (names, words of addresses): no trigger refreshes it while masking; rebuild it in staging';
    return column.notNull ? { rule: { strategy: 'fixed', value: '' }, why: `${why}; NOT NULL, so empty` } : { rule: { strategy: 'null' }, why };
  }
  const byName = nameSignal(table.name, column.name, cls);
  if (table.primaryKey.includes(column.name) && !byName) return { rule: { strategy: 'keep' }, why: 'primary key, no PII signal in its name' };
  if (byName) return byName;
  // An inet column holds addresses of machines, most of them people's, whatever its name (last_peer, origin).
  if (cls === 'inet' && !column.isArray) return { rule: { strategy: 'ipAddress' }, why: `an IP address (${column.sqlType}), whatever its name` };
  if (cls !== 'text' && cls !== 'json' && !maskedWhole(column)) return { rule: { strategy: 'keep' }, why: `no PII signal (${column.sqlType})` };
  return undefined;
}

/** Types whose text form can quote a person but which no strategy masks part by part: row types, bytes, XML, hstore. */
function maskedWhole(column: ColumnInfo): boolean {
  return column.composite === true || ['bytea', 'xml', 'hstore'].includes(column.baseType);
}

/** Bytes of each sampled `bytea` value read for signals: enough for a header or a small document. */
const SAMPLED_BYTES = 65_536;

/**
 * The suggestion for a {@link maskedWhole} column, from the text of sampled values: `null` when any
 * quotes an email or phone number (a fixed empty value when the column is NOT NULL), since no strategy
 * can mask the parts and verify searches that text for originals.
 */
function suggestWhole(column: ColumnInfo, values: readonly string[]): Suggestion {
  const hiding = values.filter(hidesPii).length;
  if (hiding === 0) return { rule: { strategy: 'keep' }, why: `no PII signal in name or the text of ${values.length} sampled values (${column.sqlType})` };
  const found = `the text of ${hiding} of ${values.length} sampled values holds emails, phone numbers or live credentials, and no strategy masks part of a ${column.sqlType}`;
  if (!column.notNull) return { rule: { strategy: 'null' }, why: found };
  const empty = column.baseType === 'bytea' ? '' : column.composite === true && !column.isArray ? '()' : '{}';
  return { rule: { strategy: 'fixed', value: empty }, why: `${found}; NOT NULL, so an empty value: review` };
}

/** An `oid` column refers to large objects: files outside the table, which anonymize unlinks once nothing kept refers to them. */
function largeObjectReference(column: ColumnInfo): Suggestion {
  const what = 'refers to large objects (files outside the table, often personal)';
  return column.notNull
    ? { rule: { strategy: 'keep' }, why: `${what}; NOT NULL, so kept, and their contents stay unmasked (verify fails on an original or PII in them): review` }
    : { rule: { strategy: 'null' }, why: `${what}; null has anonymize unlink them, keep would keep their contents unmasked (verify fails on an original or PII in them)` };
}

/** The suggestion for a text or JSON column without a telling name, from a sample of its values. */
async function suggestFromValues(client: pg.Client, table: TableInfo, column: ColumnInfo, sample: number): Promise<Suggestion> {
  const cls = typeClassOf(column);
  const values = await sampleValues(client, table, column, sample);
  if (values.length === 0) return { rule: { strategy: 'keep' }, why: 'no PII signal (no values to sample)' };
  if (cls === 'json') return suggestJson(column, values);
  if (maskedWhole(column)) return suggestWhole(column, values);
  const shapes = values.map((value) => valueShape(value, column.name));
  for (const shape of ['email', 'phone', 'street', 'credential', 'profile'] as const) {
    const count = shapes.filter((found) => found === shape).length;
    if (count >= values.length * 0.5) return { rule: SHAPE_RULES[shape], why: `${count} of ${values.length} sampled values are ${SHAPE_NAMES[shape]}` };
  }
  const people = ROLE_NAME.test(column.name.trim()) ? values.filter((value) => PERSON_NAME.test(value.trim())).length : 0;
  if (people >= values.length * 0.5) {
    return { rule: { strategy: 'fullName' }, why: `column name "${column.name}" is a person's role, and ${people} of ${values.length} sampled values are written like people's names` };
  }
  const hiding = values.filter(hidesPii).length;
  if (hiding > 0) return { rule: { strategy: 'scrubText' }, why: `free text: ${hiding} of ${values.length} sampled values contain emails, phone numbers or live credentials` };
  const sentences = values.filter((value) => value.trim().split(/\s+/).length >= 3).length;
  if (FREE_TEXT_NAME.test(column.name) && sentences >= values.length * 0.5) {
    return { rule: { strategy: 'scrubText' }, why: `free text people write (column name "${column.name}", ${sentences} of ${values.length} sampled values are sentences): the sample quotes no email or number, but such text quotes names and addresses` };
  }
  return { rule: { strategy: 'keep' }, why: `no PII signal in name or ${values.length} sampled values` };
}

/**
 * Names of columns that name a person by their role (a message's sender, a booking's guest, a ticket's
 * assignee): they may hold a name, an email, an id or a role (`user`, `bot`), so the sampled values decide.
 */
const ROLE_NAME = /^(sender|recipient|author|passenger|guest|cardholder|addressee|caller|signatory|assignee|requester|reporter|customer|contact|from|to|who|created_by|updated_by|assigned_to|owner|agent|operator)$/i;
/** A value written like a person's name: two to four capitalised words of letters (`Ann Smith`, `Zoë O'Brien-Møller`). */
const PERSON_NAME = /^\p{Lu}[\p{Ll}\p{M}'’-]+(?: \p{Lu}[\p{L}\p{M}'’-]+){1,3}$/u;

/** Names of columns holding what people write: a chat message's body, a transcript, a note or comment. */
const FREE_TEXT_NAME = new RegExp('^(body|text|message|message_?text|content|transcript|utterance|user_?input|prompt|reply|response|comments?|notes?|description|bio|about|summary|feedback'
  // The same in Spanish, Portuguese, French, Italian, German and Dutch.
  + '|mensajes?|mensage(m|ns)|messaggio|nachricht(en)?|notas?|notiz(en)?|kommentare?|commentaires?|comentarios?|commento|observaci(o|ó)n(es)?|observa(c|ç)(a|ã)o|observa(c|ç)(o|õ)es'
  + '|descripci(o|ó)n|descri(c|ç)(a|ã)o|beschreibung|texto|testo|contenido|conte(u|ú)do|bemerkung(en)?|remarques?|opmerking(en)?|bericht(en)?|respuesta|resposta|risposta|antwort|r(é|e)ponse)$', 'i');

async function sampleValues(client: pg.Client, table: TableInfo, column: ColumnInfo, sample: number): Promise<string[]> {
  const name = quoteIdent(column.name);
  const bytes = (value: string): string => bytesTextSql(`substring(${value} FROM 1 FOR ${SAMPLED_BYTES})`);
  const text = column.baseType !== 'bytea' ? `${name}::text` : column.isArray ? `array(SELECT ${bytes('b')} FROM unnest(${name}) AS b)::text` : bytes(name);
  const { rows } = await client.query<{ v: string }>(
    `SELECT ${text} AS v FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)} WHERE ${name} IS NOT NULL LIMIT ${Math.max(1, Math.floor(sample))}`,
  );
  return rows.map((row) => row.v);
}

/**
 * Walks sampled JSON documents for keys that name personal data or string values shaped like it. Keys
 * that are personal data themselves (a map keyed by email) no path can mask: then the whole document.
 */
function suggestJson(column: ColumnInfo, values: readonly string[]): Suggestion {
  const paths = new Map<string, { rule: ColumnRule; why: string }>();
  let keyed = 0;
  const visit = (node: unknown, path: string, key: string | undefined): boolean => {
    let hiding = false;
    if (Array.isArray(node)) {
      for (const item of node) hiding = visit(item, `${path}[*]`, key) || hiding;
    } else if (node !== null && typeof node === 'object') {
      for (const [child, value] of Object.entries(node)) {
        hiding = hidesPii(child) || hiding;
        hiding = visit(value, `${path}${/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(child) ? `.${child}` : `."${child}"`}`, child) || hiding;
      }
    } else if (typeof node === 'string' && !paths.has(path)) {
      const byKey = key === undefined ? undefined : jsonKeySignal(key);
      const shape = valueShape(node, key);
      if (byKey) paths.set(path, { rule: byKey, why: `key "${key}"` });
      else if (shape) paths.set(path, { rule: SHAPE_RULES[shape], why: `${shape}-shaped values` });
      else if (hidesPii(node)) paths.set(path, { rule: { strategy: 'scrubText' }, why: 'free text with PII or a credential' });
    } else if (typeof node === 'number' && key !== undefined && !paths.has(path)) {
      // A phone number kept as a JSON number (`"phone": 447700900123`, WhatsApp's WaId), a coordinate (a location message's latitude).
      const byKey = jsonKeySignal(key);
      if (byKey?.strategy === 'phone' || byKey?.strategy === 'numberNoise') paths.set(path, { rule: byKey, why: `key "${key}"` });
    }
    return hiding;
  };
  for (const value of values) {
    try {
      if (visit(JSON.parse(value) as unknown, '$', undefined)) keyed += 1;
    } catch {
      // A value that is not JSON cannot be in a json column; nothing to learn from it.
    }
  }
  if (keyed > 0) {
    const found = `the keys of ${keyed} of ${values.length} sampled documents are emails, phone numbers or credentials, and no JSON path masks a key`;
    return column.notNull ? { rule: { strategy: 'fixed', value: '{}' }, why: `${found}; NOT NULL, so an empty value: review` } : { rule: { strategy: 'null' }, why: found };
  }
  if (paths.size === 0) return { rule: { strategy: 'keep' }, why: `no PII signal in the keys or strings of ${values.length} sampled documents` };
  const leaves = Object.fromEntries([...paths].map(([path, found]) => [path, found.rule])) as Record<string, Exclude<ColumnRule, { strategy: 'json' }>>;
  return { rule: { strategy: 'json', paths: leaves }, why: `PII inside JSON: ${[...paths].map(([path, found]) => `${path} (${found.why})`).join(', ')}` };
}

function yamlRule(rule: ColumnRule): string {
  if (rule.strategy === 'json') {
    const paths = Object.entries(rule.paths).map(([path, leaf]) => `${JSON.stringify(path)}: ${yamlRule(leaf)}`);
    return `{ strategy: json, paths: { ${paths.join(', ')} } }`;
  }
  const { strategy, ...params } = rule;
  const entries = Object.entries(params);
  if (entries.length === 0) return strategy === 'null' ? '"null"' : strategy;
  return `{ strategy: ${strategy}, ${entries.map(([name, value]) => `${name}: ${JSON.stringify(value)}`).join(', ')} }`;
}

/** A key as YAML reads it back: quoted unless a plain word that YAML reads as a string (not null, true, no, ...). */
const yamlKey = (key: string): string =>
  (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) && !/^(null|true|false|yes|no|on|off|y|n)$/i.test(key) ? key : JSON.stringify(key));

function renderRules(tables: readonly TableInfo[], suggestions: ReadonlyMap<string, Suggestion>): string {
  const header = [
    '# Suggested by `rehearsal rules suggest`: review every line before use.',
    '# Every column is listed; keep means the value is copied as it is.',
    'tables:',
  ];
  const columns = tables.flatMap((table) => table.columns.map((column) => ({ table: table.qualified, column: column.name, ...suggestionOf(suggestions, table, column.name) })));
  return `${header.join('\n')}\n${suggestedLines(columns)}`;
}

const suggestionOf = (suggestions: ReadonlyMap<string, Suggestion>, table: TableInfo, column: string): Suggestion =>
  suggestions.get(`${table.qualified}.${column}`) ?? { rule: { strategy: 'keep' }, why: 'no PII signal' };
