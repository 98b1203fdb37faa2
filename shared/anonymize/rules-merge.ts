import { isMap, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../errors';
import type { ColumnSuggestion } from './suggest';

/**
 * A rules file's text with a rule added for each suggested column, under its table (a table the file
 * does not name yet is added at the end of `tables`), each with its reason as a comment. Every rule
 * and comment already there stays; a table's block that receives a column is written in block style,
 * since a comment cannot sit inside a flow mapping. Nothing is read from or written to a database.
 */
export function addSuggestedRules(text: string, suggestions: readonly ColumnSuggestion[]): string {
  const doc = parseDocument(text);
  for (const suggestion of suggestions) {
    const tablePath = ['tables', suggestion.table];
    if (!doc.hasIn(tablePath)) doc.setIn(tablePath, doc.createNode({ columns: {} }));
    const table = doc.getIn(tablePath, true);
    // A table of the rules that is no mapping is `truncate`, whose columns need no rule: never asked for.
    if (!isMap(table)) throw new ConfigError([{ path: `tables.${suggestion.table}`, message: `not a mapping of columns: cannot add column ${suggestion.column} to it` }]);
    table.flow = false;
    if (!doc.hasIn([...tablePath, 'columns'])) table.set('columns', doc.createNode({}));
    const columns = table.get('columns', true);
    if (!isMap(columns)) throw new ConfigError([{ path: `tables.${suggestion.table}.columns`, message: `not a mapping: cannot add column ${suggestion.column} to it` }]);
    columns.flow = false;
    const rule = doc.createNode(ruleValue(suggestion)) as Node;
    if (isMap(rule)) rule.flow = true;
    rule.comment = ` ${suggestion.why.replace(/\n/g, ' ')}`;
    columns.set(doc.createNode(suggestion.column), rule);
  }
  return doc.toString();
}

/** A rule as written by hand: its strategy's name alone when it has no options (`null` quoted, as a string). */
function ruleValue(suggestion: ColumnSuggestion): unknown {
  const { strategy, ...options } = suggestion.rule;
  if (Object.keys(options).length > 0) return suggestion.rule;
  return strategy;
}
