import type { Config } from '../../shared/config/schema';
import type { RehearsalObservabilityProps } from './index';

/**
 * The construct's props from `rehearsal.config.yaml`: namespace, bot, environment, on-call
 * notifications (`metrics.notifications`) and the latency and error-rate thresholds of
 * `load.thresholds` (the error ratio becomes a percentage). Add `stateMachine` beside it.
 */
export function observabilityPropsFromConfig(config: Config): RehearsalObservabilityProps {
  const thresholds = config.load?.thresholds;
  const notifications = config.metrics.notifications;
  return {
    namespace: config.metrics.namespace,
    bot: config.bot,
    environment: config.environment,
    ...(notifications ? { notifications } : {}),
    ...(notifications?.reportBaseUrl ? { reportBaseUrl: notifications.reportBaseUrl } : {}),
    thresholds: {
      ...(thresholds?.p95 === undefined ? {} : { p95Ms: thresholds.p95 }),
      ...(thresholds?.p99 === undefined ? {} : { p99Ms: thresholds.p99 }),
      ...(thresholds?.errorRate === undefined ? {} : { errorRatePercent: thresholds.errorRate * 100 }),
    },
  };
}
