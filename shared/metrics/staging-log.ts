import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../errors';

/** The time span the checks ran in; only error lines inside it count. */
export interface CheckWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Error lines staging's own log had during the check window. */
export interface StagingErrors {
  /** Where they were read from (a file path or a log group name). */
  readonly source: string;
  readonly count: number;
  /** The first lines, each cut to {@link MAX_LINE_LENGTH} characters, for the report. */
  readonly lines: readonly string[];
}

/** How many error lines the report keeps. */
export const MAX_LINES_KEPT = 50;
export const MAX_LINE_LENGTH = 500;

/** Anything that can count staging's error lines: the local log file or CloudWatch Logs. */
export interface StagingLogSource {
  countErrors(window: CheckWindow): Promise<StagingErrors>;
}

/**
 * Counts error lines in a JSON-lines log file (`"level":"error"`, `"fatal"`, or pino's numeric 50+).
 * Lines with a `time`, `timestamp` or `ts` outside the window are left out; lines without one count,
 * since they cannot be placed. A missing file is an {@link EnvironmentError} naming it.
 */
export function fileStagingLog(file: string): StagingLogSource {
  return {
    async countErrors(window) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        throw new EnvironmentError(`cannot read staging's log file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
      }
      const errors = text.split('\n').filter((line) => isErrorLineInWindow(line, window));
      return { source: file, count: errors.length, lines: keep(errors) };
    },
  };
}

/** Keeps the first lines, each cut to a readable length. */
export function keep(lines: readonly string[]): string[] {
  return lines.slice(0, MAX_LINES_KEPT).map((line) => (line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line));
}

function isErrorLineInWindow(line: string, window: CheckWindow): boolean {
  if (line.trim() === '') return false;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return false;
  }
  if (entry === null || typeof entry !== 'object') return false;
  const record = entry as Record<string, unknown>;
  const level = record.level;
  const isError = typeof level === 'number' ? level >= 50 : typeof level === 'string' && ['error', 'fatal', 'critical'].includes(level.toLowerCase());
  if (!isError) return false;
  const at = timeOf(record.time ?? record.timestamp ?? record.ts);
  return at === undefined || (at >= window.startMs && at <= window.endMs);
}

function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}
