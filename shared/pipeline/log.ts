/** Fields attached to a log line; never a secret or PII value. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The run's logger: plain lines locally, Powertools structured JSON in Lambda. */
export interface RunLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Progress of a long step (rows done of total); a terminal shows it in place, logs get a line now and then. */
  progress(step: string, done: number, total: number): void;
}

/** A logger that drops everything: for tests that assert on results, not on lines. */
export const silentLog: RunLog = { info() {}, warn() {}, error() {}, progress() {} };
