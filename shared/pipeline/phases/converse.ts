import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/** PLACEHOLDER until its helper builds it. */
export async function runConverse(_ctx: RunContext): Promise<PhaseOutcome> {
  return outcome.skipped('not built yet');
}
