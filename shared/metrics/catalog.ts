import type { MetricUnit } from './recorder';

/**
 * The one list of rehearsal's metrics: names, units and the dimension sets each is published under.
 * The local runner, the Lambdas (EMF) and the CDK alarms and dashboard all take their names from here,
 * so an alarm can never watch a metric nobody publishes.
 */

/** Dimension names, in the order they appear in a dimension set. */
export const DIMENSION_NAMES = ['Environment', 'Bot', 'Phase', 'Conversation', 'Turn', 'Table'] as const;
export type DimensionName = (typeof DIMENSION_NAMES)[number];

/** One entry of the catalog. */
export interface MetricSpec {
  readonly unit: MetricUnit;
  /**
   * Dimension sets the metric is published under. A set is usable for a datapoint when the datapoint
   * has every dimension in it (extra dimensions, such as Phase, stay in the record as properties).
   */
  readonly dimensionSets: readonly (readonly DimensionName[])[];
  /**
   * `all`: a datapoint goes to every usable set, so `[Environment, Bot]` sums the breakdown (metrics
   * recorded only per conversation, turn or table). `finest`: only to the most specific usable set,
   * for metrics recorded both overall and broken down, which would otherwise be counted twice.
   */
  readonly rollup: 'all' | 'finest';
  /** What the number means, for dashboards and the README. */
  readonly description: string;
}

const BOT = ['Environment', 'Bot'] as const;
const PHASE = ['Environment', 'Bot', 'Phase'] as const;
const CONVERSATION = ['Environment', 'Bot', 'Conversation'] as const;
const TURN = ['Environment', 'Bot', 'Conversation', 'Turn'] as const;
const TABLE = ['Environment', 'Bot', 'Table'] as const;

/** Every metric rehearsal publishes. Keys are the metric names. */
export const METRIC_CATALOG = {
  // The run (publish records these from the phase results).
  RefreshSucceeded: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: '1 when a whole run passed, 0 otherwise (the staleness alarm watches it).' },
  RefreshFailed: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: '1 when a run failed, 0 otherwise.' },
  RunDuration: { unit: 'Milliseconds', dimensionSets: [BOT], rollup: 'all', description: 'Wall time of the phases of a run.' },
  PhaseDuration: { unit: 'Milliseconds', dimensionSets: [PHASE], rollup: 'all', description: 'Wall time of one phase.' },
  PhaseFailed: { unit: 'Count', dimensionSets: [PHASE], rollup: 'all', description: '1 per phase that failed.' },
  // anonymize and verify.
  MaskedRows: { unit: 'Count', dimensionSets: [BOT, TABLE], rollup: 'all', description: 'Rows rewritten by the anonymize phase, per table and in all.' },
  MaskDuration: { unit: 'Milliseconds', dimensionSets: [TABLE], rollup: 'all', description: 'Time spent masking one table.' },
  PiiFindings: { unit: 'Count', dimensionSets: [BOT, TABLE], rollup: 'all', description: 'Original personal values verify found in the candidate.' },
  // reconcile.
  DriftKeys: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: 'Config keys out of policy (missing, differs, extra).' },
  LeakedSecrets: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: "Staging secrets equal to production's." },
  ProbeFailures: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: 'Staging secrets whose key probe failed.' },
  // converse.
  ConversationsPassed: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: 'Scripted conversations that passed.' },
  ConversationsFailed: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: 'Scripted conversations that failed.' },
  ConversationFailed: { unit: 'Count', dimensionSets: [CONVERSATION], rollup: 'all', description: '1 when this conversation failed, 0 when it passed.' },
  TurnLatency: { unit: 'Milliseconds', dimensionSets: [BOT, CONVERSATION, TURN], rollup: 'all', description: 'Reply latency of one scripted turn.' },
  // load: recorded overall and per (Conversation, Turn), so only the finest set is used.
  ResponseTime: { unit: 'Milliseconds', dimensionSets: [BOT, TURN], rollup: 'finest', description: 'Reply latency under load from the intended send time (a distribution).' },
  ServiceTime: { unit: 'Milliseconds', dimensionSets: [BOT, TURN], rollup: 'finest', description: 'Reply latency under load from the actual send time (a distribution).' },
  TimeToFirstToken: { unit: 'Milliseconds', dimensionSets: [BOT, TURN], rollup: 'finest', description: 'Time to the first streamed token under load (a distribution).' },
  Requests: { unit: 'Count', dimensionSets: [BOT, TURN], rollup: 'finest', description: 'Turns sent by the load phase.' },
  Errors: { unit: 'Count', dimensionSets: [BOT, TURN], rollup: 'finest', description: 'Turns of the load phase that failed.' },
  LateArrivals: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: 'Simulated users started late (the generator fell behind).' },
  DroppedArrivals: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: 'Simulated users never started (the generator was saturated).' },
  Throughput: { unit: 'Count/Second', dimensionSets: [BOT], rollup: 'all', description: 'Completed turns per second under load.' },
  // publish.
  StagingErrorLines: { unit: 'Count', dimensionSets: [BOT], rollup: 'all', description: "Error lines in the staging bot's own log during the check window." },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRIC_CATALOG;

/** Metric names as constants, so a typo is a compile error: `METRIC.PiiFindings`. */
export const METRIC = Object.fromEntries(Object.keys(METRIC_CATALOG).map((name) => [name, name])) as { readonly [K in MetricName]: K };

/** The catalog entry for a name, or undefined when the name is not in the catalog. */
export function metricSpec(name: string): MetricSpec | undefined {
  return Object.hasOwn(METRIC_CATALOG, name) ? METRIC_CATALOG[name as MetricName] : undefined;
}
