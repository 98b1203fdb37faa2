import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogFields, RunLog } from '../../shared/pipeline/log';

/** Progress is logged at most this often: a Lambda's log is not a terminal. */
const PROGRESS_EVERY_MS = 15_000;

/** The run's logger in Lambda: Powertools structured JSON lines (fields never hold a secret or PII value). */
export function powertoolsRunLog(logger: Logger, now: () => number = Date.now): RunLog {
  let lastProgress = 0;
  const fields = (extra?: LogFields): Record<string, string | number | boolean> =>
    Object.fromEntries(Object.entries(extra ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined));
  return {
    info: (message, extra) => logger.info(message, fields(extra)),
    warn: (message, extra) => logger.warn(message, fields(extra)),
    error: (message, extra) => logger.error(message, fields(extra)),
    progress: (step, done, total) => {
      if (done < total && now() - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now();
      logger.info(`${step}: ${done} of ${total}`, { step, done, total });
    },
  };
}
