import { quoteIdent } from '../db/client';
import type { InputProblem } from '../errors';
import { closestName } from '../util/closest-name';
import { isUniqueColumn, type Catalog, type ColumnInfo, type ForeignKey, type TableInfo } from './catalog';
import { JsonPathSyntaxError, parseJsonPath, toWalkerPath } from './json-path';
import type { ColumnRule } from './rules-schema';
import { ruleProblem, type RulesSource } from './rule-problems';
import { unfitReason } from './strategies';

/** How one column is masked, and why it has that rule. */
export interface ColumnPlan {
  readonly column: ColumnInfo;
  readonly rule: ColumnRule;
  /** Set when the rule comes from the referenced column of a foreign key (`public.users.email`). */
  readonly follows?: string;
  /** The column whose type shapes the fakes: itself, or for a follower the column its key chain ends at. */
  readonly root: ColumnInfo;
  /** `schema.table.column` of {@link root}. */
  readonly rootId: string;
  /** In a primary key or unique index: fakes must stay distinct. */
  readonly unique: boolean;
}

/** The table of a plan as SQL: `"schema"."table"`. */
export const qualifiedSql = (plan: TablePlan): string => `${quoteIdent(plan.table.schema)}.${quoteIdent(plan.table.name)}`;

/**
 * The table as the target of a statement that must reach its own rows only: `ONLY "schema"."table"`,
 * so an inheritance child (a table with rules of its own, masked by its own statement) is not masked
 * twice, or truncated by its parent's rule; a partitioned table as it is (its partitions are its rows).
 */
export const ownRowsSql = (plan: TablePlan): string => `${plan.table.partitioned ? '' : 'ONLY '}${qualifiedSql(plan)}`;

/** SQL true for a row holding a value in any masked column (the rows masking changes). */
export const anyMaskedValueSql = (plan: TablePlan): string => plan.masked.map((column) => `${quoteIdent(column.column.name)} IS NOT NULL`).join(' OR ');

/** One table's work: truncate it, or mask its `masked` columns (every other column is kept). */
export interface TablePlan {
  readonly table: TableInfo;
  readonly truncate: boolean;
  readonly masked: readonly ColumnPlan[];
}

/**
 * Tables masked in one transaction: those joined by foreign keys on masked columns. Those keys are
 * dropped, every table of the unit masked, and the keys re-created (and so re-validated) before commit.
 */
export interface MaskUnit {
  readonly id: string;
  readonly tables: readonly TablePlan[];
  readonly foreignKeys: readonly { readonly table: string; readonly key: ForeignKey }[];
}

/** The whole plan. `problems` non-empty means nothing may run. */
export interface MaskPlan {
  readonly tables: readonly TablePlan[];
  readonly truncated: readonly string[];
  readonly units: readonly MaskUnit[];
  /** Columns with no rule (and no foreign key to follow): `schema.table.column`. */
  readonly unclassified: readonly string[];
  /** Rules naming a table or column the database does not have. */
  readonly dangling: readonly string[];
  readonly problems: readonly InputProblem[];
}

const sameRule = (a: ColumnRule, b: ColumnRule): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Matches the rules against the database: fail closed on any column without a rule, any rule without a
 * column, any rule that does not fit its column; foreign-key columns take their referenced column's rule.
 * `otherRelations` (views and the like, by name: see readOtherRelations) let a rule naming one say so.
 */
export function buildPlan(source: RulesSource, catalog: Catalog, otherRelations: ReadonlyMap<string, string> = new Map()): MaskPlan {
  const problems: InputProblem[] = [];
  const unclassified: string[] = [];
  const dangling: string[] = [];
  const { tables: rules } = source.rules;

  for (const [qualified, rule] of Object.entries(rules)) {
    const table = catalog.get(qualified);
    if (!table) {
      dangling.push(qualified);
      const meant = closestName(qualified, [...catalog.keys()].filter((name) => rules[name] === undefined));
      const kind = otherRelations.get(qualified);
      problems.push(ruleProblem(source, ['tables', qualified], kind !== undefined
        ? `${qualified} is a ${kind}, not a table: rules name tables only (a view shows its tables' masked rows, a materialized view is refreshed from them); remove this rule`
        : `table ${qualified} does not exist in the database${meant === undefined ? '' : ` (did you mean ${meant}, which has no rule?)`}`));
      continue;
    }
    if (rule === 'truncate') continue;
    for (const name of Object.keys(rule.columns)) {
      if (!table.columns.some((column) => column.name === name)) {
        dangling.push(`${qualified}.${name}`);
        const meant = closestName(name, table.columns.map((column) => column.name).filter((column) => rule.columns[column] === undefined));
        problems.push(ruleProblem(source, ['tables', qualified, 'columns', name], `column ${name} does not exist in table ${qualified}${meant === undefined ? '' : ` (did you mean ${meant}, which has no rule?)`}`));
      }
    }
  }

  const explicit = (table: string, column: string): ColumnRule | undefined => {
    const rule = rules[table];
    return rule === undefined || rule === 'truncate' ? undefined : rule.columns[column];
  };
  const truncated = new Set(Object.entries(rules).filter(([name, rule]) => rule === 'truncate' && catalog.has(name)).map(([name]) => name));

  // A column's effective rule: a foreign key's referenced column decides when it masks; else its own rule.
  const resolving = new Set<string>();
  const effective = (table: TableInfo, column: string): { rule?: ColumnRule; follows?: string; root?: { column: ColumnInfo; id: string } } => {
    const id = `${table.qualified}.${column}`;
    const own = explicit(table.qualified, column);
    if (resolving.has(id)) return own ? { rule: own } : {};
    resolving.add(id);
    try {
      for (const key of table.foreignKeys) {
        const at = key.columns.indexOf(column);
        const refTable = catalog.get(key.refTable);
        const refColumn = key.refColumns[at];
        if (at < 0 || !refTable || refColumn === undefined) continue;
        const ref = effective(refTable, refColumn);
        const refInfo = refTable.columns.find((candidate) => candidate.name === refColumn);
        const root = ref.root ?? (refInfo ? { column: refInfo, id: `${key.refTable}.${refColumn}` } : undefined);
        if (ref.rule && ref.rule.strategy !== 'keep') return { rule: ref.rule, follows: `${key.refTable}.${refColumn}`, ...(root ? { root } : {}) };
        return own ? { rule: own } : { rule: { strategy: 'keep' }, follows: `${key.refTable}.${refColumn}` };
      }
      return own ? { rule: own } : {};
    } finally {
      resolving.delete(id);
    }
  };

  const plans: TablePlan[] = [];
  for (const table of catalog.values()) {
    if (truncated.has(table.qualified)) {
      plans.push({ table, truncate: true, masked: [] });
      continue;
    }
    const masked: ColumnPlan[] = [];
    for (const column of table.columns) {
      const path = ['tables', table.qualified, 'columns', column.name];
      const { rule, follows, root } = effective(table, column.name);
      const own = explicit(table.qualified, column.name);
      if (!rule) {
        if (column.generated) continue;
        unclassified.push(`${table.qualified}.${column.name}`);
        problems.push(ruleProblem(source, path, `column ${table.qualified}.${column.name} (${column.sqlType}) has no rule: every column must be classified (use keep for data that is not personal)`));
        continue;
      }
      if (follows && own && !sameRule(own, rule) && own.strategy !== 'keep') {
        problems.push(ruleProblem(source, path, `column ${column.name} references ${follows} by a foreign key, so it takes that column's rule (${rule.strategy}); remove its own rule ${own.strategy}`));
        continue;
      }
      if (column.generated) {
        if (own && own.strategy !== 'keep') problems.push(ruleProblem(source, path, `column ${column.name} is generated by PostgreSQL; its rule must be keep (it is recomputed from the masked columns)`));
        continue;
      }
      const unique = isUniqueColumn(table, column.name);
      const reason = unfitReason(rule, column, unique);
      if (reason) {
        problems.push(ruleProblem(source, path, reason));
        continue;
      }
      if (rule.strategy === 'json') {
        // Two spellings of one path ($.email and $['email']) would be applied one after the other, the last winning.
        const spelled = new Map<string, string>();
        for (const jsonPath of Object.keys(rule.paths)) {
          try {
            const same = toWalkerPath(parseJsonPath(jsonPath)).join('\u0000');
            const other = spelled.get(same);
            if (other !== undefined) problems.push(ruleProblem(source, [...path, 'paths', jsonPath], `JSON path ${JSON.stringify(jsonPath)} names the same values as ${JSON.stringify(other)}: keep one rule for them`));
            spelled.set(same, jsonPath);
          } catch (error) {
            if (!(error instanceof JsonPathSyntaxError)) throw error;
            problems.push(ruleProblem(source, [...path, 'paths', jsonPath], `malformed JSON path ${JSON.stringify(jsonPath)}: ${error.message}`));
          }
        }
      }
      if (rule.strategy !== 'keep') {
        masked.push({ column, rule, unique, root: root?.column ?? column, rootId: root?.id ?? `${table.qualified}.${column.name}`, ...(follows ? { follows } : {}) });
      }
    }
    plans.push({ table, truncate: false, masked });
  }

  for (const plan of plans) {
    if (plan.truncate) continue;
    for (const key of plan.table.foreignKeys) {
      if (truncated.has(key.refTable)) {
        problems.push(ruleProblem(source, ['tables', plan.table.qualified], `table ${plan.table.qualified} references ${key.refTable}, which is truncated: truncate ${plan.table.qualified} too`));
      }
    }
  }

  return { tables: plans, truncated: [...truncated], units: unitsOf(plans), unclassified, dangling, problems };
}

/** Groups tables joined by foreign keys whose columns are masked, so each group commits at once. */
function unitsOf(plans: readonly TablePlan[]): MaskUnit[] {
  const byName = new Map(plans.filter((plan) => !plan.truncate && plan.masked.length > 0).map((plan) => [plan.table.qualified, plan]));
  const parent = new Map<string, string>([...byName.keys()].map((name) => [name, name]));
  const find = (name: string): string => {
    let root = name;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    return root;
  };
  const keys: { table: string; key: ForeignKey }[] = [];
  for (const plan of byName.values()) {
    for (const key of plan.table.foreignKeys) {
      const masksKey = plan.masked.some((column) => column.follows !== undefined && key.columns.includes(column.column.name));
      if (!masksKey) continue;
      keys.push({ table: plan.table.qualified, key });
      if (byName.has(key.refTable)) parent.set(find(plan.table.qualified), find(key.refTable));
    }
  }
  const groups = new Map<string, TablePlan[]>();
  for (const [name, plan] of byName) groups.set(find(name), [...(groups.get(find(name)) ?? []), plan]);
  return [...groups.entries()].map(([root, tables]) => ({
    id: root,
    tables,
    foreignKeys: keys.filter((entry) => find(entry.table) === root),
  }));
}
