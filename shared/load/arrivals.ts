/**
 * The open workload model: arrival times from phases of `duration`, `arrivalRate` and an optional
 * `rampTo` (rate changes linearly over the phase). Arrivals are evenly spaced by the instantaneous rate,
 * so a run is reproducible and N workers can take every N-th arrival of the same global schedule.
 */

/** One phase of the open model, durations in milliseconds, rates in arrivals per second. */
export interface ArrivalPhase {
  readonly durationMs: number;
  readonly arrivalRate: number;
  readonly rampTo?: number | undefined;
}

/** Total duration of the phases, ms. */
export function totalDurationMs(phases: readonly ArrivalPhase[]): number {
  return phases.reduce((sum, phase) => sum + phase.durationMs, 0);
}

/**
 * Yields every arrival's offset from the start of the run in ms, in order, with its global index.
 * Inside a phase, the k-th arrival is at the time t where the expected count r0*t + (r1-r0)*t^2/(2D)
 * reaches k.
 */
export function* arrivalOffsets(phases: readonly ArrivalPhase[]): Generator<{ index: number; atMs: number }> {
  let index = 0;
  let phaseStart = 0;
  for (const phase of phases) {
    const seconds = phase.durationMs / 1000;
    const r0 = phase.arrivalRate;
    const r1 = phase.rampTo ?? r0;
    const expected = ((r0 + r1) / 2) * seconds;
    for (let k = 0; k < expected; k += 1) {
      const t = timeOfArrival(k, r0, r1, seconds);
      yield { index, atMs: phaseStart + t * 1000 };
      index += 1;
    }
    phaseStart += phase.durationMs;
  }
}

/** Number of arrivals the phases schedule. */
export function countArrivals(phases: readonly ArrivalPhase[]): number {
  let count = 0;
  for (const phase of phases) count += Math.ceil((((phase.arrivalRate + (phase.rampTo ?? phase.arrivalRate)) / 2) * phase.durationMs) / 1000);
  return count;
}

function timeOfArrival(k: number, r0: number, r1: number, seconds: number): number {
  const slope = (r1 - r0) / seconds;
  if (Math.abs(slope) < 1e-12) return k / r0;
  // Solve slope/2 t^2 + r0 t - k = 0 for the positive root, in the numerically stable form.
  return (2 * k) / (r0 + Math.sqrt(r0 * r0 + 2 * slope * k));
}
