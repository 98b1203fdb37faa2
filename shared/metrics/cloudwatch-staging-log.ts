import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EnvironmentError } from '../errors';
import { keep, type StagingLogSource } from './staging-log';

/** Options of {@link cloudWatchStagingLog}. */
export interface CloudWatchStagingLogOptions {
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
  readonly logGroup: string;
  /** A CloudWatch Logs filter pattern that selects error lines, e.g. `{ $.level = "error" }`. */
  readonly filterPattern: string;
}

/**
 * Counts staging's error lines in a CloudWatch Logs group with FilterLogEvents over the check window,
 * following every page. A refused call is an {@link EnvironmentError} naming the log group.
 */
export function cloudWatchStagingLog(options: CloudWatchStagingLogOptions): StagingLogSource {
  return {
    async countErrors(window) {
      const lines: string[] = [];
      let count = 0;
      let nextToken: string | undefined;
      do {
        let page;
        try {
          page = await options.logs.send(new FilterLogEventsCommand({
            logGroupName: options.logGroup,
            filterPattern: options.filterPattern,
            startTime: window.startMs,
            endTime: window.endMs,
            ...(nextToken ? { nextToken } : {}),
          }));
        } catch (cause) {
          throw new EnvironmentError(`cannot read staging's log group ${options.logGroup}: ${(cause as Error).name}`, { cause });
        }
        for (const event of page.events ?? []) {
          count += 1;
          if (lines.length < 50 && event.message !== undefined) lines.push(event.message.trimEnd());
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return { source: options.logGroup, count, lines: keep(lines) };
    },
  };
}
