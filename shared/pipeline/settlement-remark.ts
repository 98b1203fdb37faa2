import type { PhaseSpec } from './phase';
import type { PhaseResult, Settlement } from './report';

/**
 * What a failed phase's error says once staging is settled. The errors of anonymize and verify are
 * written for their commands, which leave the copy in place ("Running anonymize again on this copy …
 * resumes with public.users"); the pipeline's retries do just that, but once they run out the run
 * discards its candidate, and that advice has no copy left to apply to. So when the settlement
 * discarded the candidate, the summary and error message of each phase that threw get a line saying
 * so, and that the next release, or `rerun` (how this pipeline is started again by hand), starts from a
 * fresh snapshot. The error's own words (where it failed, what had committed) stay, before that line.
 *
 * Returns `result` as it is when the phase did not throw, or the settlement is anything but
 * `discarded-candidate` (staging rolled back, unsettled, nothing to settle).
 */
export function remarkOnDiscardedCandidate(result: PhaseResult, spec: PhaseSpec | undefined, settlement: Settlement, rerun: string): PhaseResult {
  const { error } = result;
  if (settlement.action !== 'discarded-candidate' || result.status !== 'failed' || !error) return result;
  const retried = spec !== undefined && spec.retry.maxAttempts > 1 && spec.retry.errors.includes(error.name);
  const stopped = retried ? `The pipeline ran ${result.name} ${spec.retry.maxAttempts} times, then stopped` : 'The run stopped';
  const line = `${stopped} without promoting its candidate and discarded it (staging untouched), so nothing resumes on that copy: `
    + `the next release, or ${rerun}, starts again from a fresh snapshot`;
  return { ...result, summary: `${result.summary}\n${line}`, error: { ...error, message: `${error.message}\n${line}` } };
}
