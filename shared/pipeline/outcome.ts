/** A number, word or flag a phase reports about its work (rows masked, findings, p95 in ms, ...). */
export type Figure = number | string | boolean;

/** What one phase reports when it returns. */
export type PhaseOutcome =
  | {
      /** passed: the phase did its work and its checks held; failed: a check failed; skipped: nothing to do. */
      readonly status: 'passed' | 'failed' | 'skipped';
      /** One line for a person: what the phase did or found. */
      readonly summary: string;
      readonly figures?: Readonly<Record<string, Figure>>;
      /** Structured details for report.json (findings, drift, transcripts); never secret values. */
      readonly details?: unknown;
    }
  | {
      /** The phase's work is still running (an RDS restore, a batch of rows): call it again after the wait. */
      readonly status: 'pending';
      readonly summary: string;
      readonly retryAfterMs: number;
    };

/** Shorthands that keep phase code readable. */
export const outcome = {
  passed: (summary: string, figures?: Record<string, Figure>, details?: unknown): PhaseOutcome => ({
    status: 'passed', summary, ...(figures ? { figures } : {}), ...(details === undefined ? {} : { details }),
  }),
  failed: (summary: string, figures?: Record<string, Figure>, details?: unknown): PhaseOutcome => ({
    status: 'failed', summary, ...(figures ? { figures } : {}), ...(details === undefined ? {} : { details }),
  }),
  skipped: (summary: string): PhaseOutcome => ({ status: 'skipped', summary }),
  pending: (summary: string, retryAfterMs: number): PhaseOutcome => ({ status: 'pending', summary, retryAfterMs }),
};
