import { ConfigError } from '../../errors';
import { runLoadCheck, type LoadSources } from '../../load/check';
import type { LoadConfig } from '../../load/config-schema';
import { recordLoadMetrics } from '../../load/metrics';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';
import { loadOutcome, writeLoadJson } from './load-outcome';

export { loadOutcome, writeLoadJson };

/**
 * Runs the `load` section against the staging bot (target, convos and connector default to the
 * `converse` section's): an open-model load of simulated users, thresholds checked at the end. Records
 * latency distributions per conversation and turn, writes `load.json`. Skipped without a `load` section.
 */
export async function runLoad(ctx: RunContext): Promise<PhaseOutcome> {
  const config = ctx.config.load;
  if (!config) return outcome.skipped('no load section in the config');
  const { report, measurement, stress } = await runLoadCheck(config, loadSourcesOf(ctx, config), ctx.runId, ctx.log);
  if (measurement) recordLoadMetrics(measurement, ctx.metrics);
  await writeLoadJson(ctx, report, stress);
  return loadOutcome(report, stress);
}

/** The load section's target, conversations and connector, defaulting to the converse section's. */
export function loadSourcesOf(ctx: Pick<RunContext, 'config' | 'baseDir'>, config: LoadConfig): LoadSources {
  const converse = ctx.config.converse;
  const target = config.target ?? converse?.target;
  const convos = config.convos ?? converse?.convos;
  if (target === undefined || convos === undefined) {
    throw new ConfigError([{ path: 'load', message: 'load needs target and convos, or a converse section to take them from' }]);
  }
  return { target, convos, connector: config.connector ?? converse?.connector, baseDir: ctx.baseDir };
}
