import { z } from 'zod';
import { closestName } from '../util/closest-name';

/**
 * The anonymization rules: one entry per table (`schema.table`), each either `truncate` or a map of
 * every column to a strategy. The same shape is a rules file of its own and the `anonymize` section of
 * `rehearsal.config.yaml`.
 */

/** Strategies that take no parameter and may be written as a bare name (`email: email`). */
export const SIMPLE_STRATEGIES = [
  'keep', 'null', 'hash', 'redact', 'email', 'firstName', 'lastName', 'fullName', 'username', 'phone',
  'ipAddress', 'street', 'city', 'postcode', 'uuid', 'scrubText',
] as const;
/** Strategies that need parameters and so are written as an object (`{ strategy: fixed, value: x }`). */
export const PARAMETRIC_STRATEGIES = ['fixed', 'dateShift', 'numberNoise', 'json'] as const;
/** Every strategy name, in the order they are documented. */
export const STRATEGY_NAMES = [...SIMPLE_STRATEGIES, ...PARAMETRIC_STRATEGIES] as const;

export type SimpleStrategy = (typeof SIMPLE_STRATEGIES)[number];
export type StrategyName = (typeof STRATEGY_NAMES)[number];

const unknownStrategy = (value: unknown, allowed: readonly string[] = STRATEGY_NAMES): string => {
  const meant = typeof value === 'string' ? closestName(value, allowed) : undefined;
  return `unknown strategy ${JSON.stringify(value)}${meant === undefined ? '' : ` (did you mean ${meant}?)`}, expected one of ${allowed.join(', ')}`;
};

/**
 * A strategy's rule object, whose unknown options are named with the ones it takes (`unknown option
 * "percent" for numberNoise (did you mean ...?): it takes ratio`), not the validator's words.
 */
function ruleObject<Shape extends z.ZodRawShape>(name: string, shape: Shape, takes: string) {
  const options = Object.keys(shape).filter((key) => key !== 'strategy');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const named = issue.keys.map((key) => {
        const meant = closestName(key, options);
        return `${JSON.stringify(key)}${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
      });
      return `unknown option ${named.join(', ')} for ${name}: ${takes}`;
    },
  });
}

const simpleRule = ruleObject('a strategy without options', { strategy: z.enum(SIMPLE_STRATEGIES) }, 'it takes no options (write it as a bare name: email: email)');
/** The message of an option's issue: `missing` when it is absent, `wrong` otherwise. */
const optionError = (missing: string, wrong: string) => (issue: { input: unknown }): string => (issue.input === undefined ? missing : wrong);

const fixedRule = ruleObject('fixed', {
  strategy: z.literal('fixed'),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()], {
    error: optionError('fixed needs value: the value every row gets', 'value must be a string, a number, true, false or null'),
  }),
}, 'it takes value (the value every row gets)');
const dateShiftRule = ruleObject('dateShift', {
  strategy: z.literal('dateShift'),
  maxDays: z.number({ error: optionError('dateShift needs maxDays: a whole number of days, 1 to 36500', 'maxDays must be a whole number of days, 1 to 36500') })
    .int('maxDays must be a whole number of days, 1 to 36500').positive('maxDays must be a whole number of days, 1 to 36500').max(36_500, 'maxDays must be at most 36500 days'),
}, 'it takes maxDays (a whole number of days, 1 to 36500)');
/** The share of itself a number moves by at most under numberNoise when its rule gives neither ratio nor by. */
export const DEFAULT_NOISE_RATIO = 0.1;

/**
 * numberNoise moves a number by at most `ratio` of it (0.1 by default), or by at most `by` (an amount:
 * a coordinate near 0, on the equator or the Greenwich meridian, hardly moves by a share of it).
 */
const numberNoiseRule = ruleObject('numberNoise', {
  strategy: z.literal('numberNoise'),
  ratio: z.number({ error: 'ratio must be a number above 0, at most 1' })
    .positive('ratio must be a number above 0, at most 1').max(1, 'ratio must be a number above 0, at most 1').optional(),
  by: z.number({ error: 'by must be a number above 0 (the most a number moves: 0.01 for a coordinate in degrees, about 1 km)' })
    .positive('by must be a number above 0 (the most a number moves: 0.01 for a coordinate in degrees, about 1 km)').optional(),
}, 'it takes ratio (the most a number moves, as a share of it: 0.1 by default, at most 1) or by (the most it moves, as an amount)')
  .refine((rule) => rule.ratio === undefined || rule.by === undefined, { message: 'numberNoise takes ratio or by, not both', path: ['by'] })
  .transform((rule) => (rule.by === undefined ? { ...rule, ratio: rule.ratio ?? DEFAULT_NOISE_RATIO } : rule));

/** A rule applied to a value found at a JSON path: a bare strategy name, or an object rule (not `json`). */
const jsonLeafRule = z.preprocess(
  (input) => (typeof input === 'string' ? { strategy: input } : input),
  z.discriminatedUnion('strategy', [simpleRule, fixedRule, dateShiftRule, numberNoiseRule], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? unknownStrategy(strategyOf(issue.input), STRATEGY_NAMES.filter((name) => name !== 'json'))
        : undefined,
  }),
);
const jsonRule = ruleObject('json', { strategy: z.literal('json'), paths: z.record(z.string().startsWith('$', 'a JSON path starts with $'), jsonLeafRule) },
  'it takes paths (JSON paths mapped to strategies)');

function strategyOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null && 'strategy' in input ? input.strategy : input;
}

/** One column's rule. A bare string is shorthand for `{ strategy: <name> }`. */
export const columnRuleSchema = z.preprocess(
  (input) => (typeof input === 'string' ? { strategy: input } : input),
  z.discriminatedUnion('strategy', [simpleRule, fixedRule, dateShiftRule, numberNoiseRule, jsonRule], {
    error: (issue) => {
      if (issue.code === 'invalid_union') return unknownStrategy(strategyOf(issue.input));
      // YAML reads a bare null (or ~, or nothing) as no value: the null strategy must be quoted.
      if (issue.input === null || issue.input === undefined) return 'no rule here (YAML reads a bare null, ~ or nothing as no value): write a strategy name, or "null" in quotes for the null strategy';
      if (typeof issue.input !== 'object') return `expected a strategy name or { strategy: ... }, got ${JSON.stringify(issue.input)}`;
      return undefined;
    },
  }),
);
export type ColumnRule = z.infer<typeof columnRuleSchema>;

/** One table's rules: `truncate` (every row removed), or every column mapped to a strategy. */
export const tableRuleSchema = z.union(
  [z.literal('truncate'), z.object({ columns: z.record(z.string().min(1), columnRuleSchema) }).strict()],
  { error: () => 'expected "truncate" or { columns: { <column>: <strategy> } }' },
);
export type TableRule = z.infer<typeof tableRuleSchema>;

const qualifiedTableName = z
  .string()
  // Names may hold spaces and any character PostgreSQL allows in a quoted identifier but a dot, which would make the split ambiguous.
  .regex(/^[^.]*[^.\s][^.]*\.[^.]*[^.\s][^.]*$/, 'a table is named schema.table, e.g. public.users (a schema or table whose name holds a dot cannot be named here)');

/**
 * How tables are masked. `rewrite`: one `ALTER TABLE ... ALTER COLUMN ... TYPE ... USING` per table, a
 * single pass that writes the table anew and rebuilds its indexes (no dead rows, no VACUUM, fastest);
 * `update`: one set-based `UPDATE` (then VACUUM ANALYZE); `auto` (default): rewrite wherever PostgreSQL
 * allows it (a view, rule, policy or generated column on a masked column, a partitioned or inherited
 * table, an array column or a table rehearsal's role does not own need `update`).
 */
export const MASK_MODES = ['auto', 'rewrite', 'update'] as const;
export type MaskMode = (typeof MASK_MODES)[number];

const RULES_KEYS = ['tables', 'mode', 'batchRows', 'postgresTables'];

/** A whole rules document. */
export const rulesSchema = z
  .strictObject({
    mode: z.enum(MASK_MODES).optional(),
    /**
     * Tables PostgreSQL estimates above this many rows are masked by UPDATE in key-range batches of this
     * size (primary key order), each committed with its range, so a run can stop between batches and
     * resume (a Lambda has 15 minutes). Needs a one-column primary key that is not masked, and no masked
     * foreign key; other tables are masked whole. Default 2,000,000 (a batch of a wide table takes a few minutes, well inside a Lambda's 15 once its 10-minute budget is spent). Not applied under `mode: rewrite`.
     */
    batchRows: z.number().int().positive().optional(),
    /**
     * On a candidate that is a whole restored server (RDS, Aurora), the tables and large objects of the
     * `postgres` database, which is kept on every server but which no rule masks: `refuse` (default)
     * stops the run before anything changes, naming them; `drop` drops them (and the views over them).
     */
    postgresTables: z.enum(['refuse', 'drop']).optional(),
    tables: z.record(qualifiedTableName, tableRuleSchema, {
      error: (issue) => (issue.input === undefined ? 'rules need tables: each table (schema.table) mapped to truncate or { columns: { <column>: <strategy> } }' : undefined),
    }),
  }, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => {
          const meant = closestName(key, RULES_KEYS);
          return `unknown key ${JSON.stringify(key)}${meant === undefined ? '' : ` (did you mean ${meant}?)`}: rules have ${RULES_KEYS.join(', ')}`;
        }).join('; ');
      }
      if (issue.input === null || issue.input === undefined) return 'the rules are empty: they need tables, each table (schema.table) mapped to truncate or { columns: { <column>: <strategy> } }';
      return undefined;
    },
  });
export type Rules = z.infer<typeof rulesSchema>;
