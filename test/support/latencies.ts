/** A deterministic pseudo-random latency stream (ms), long-tailed like real replies. */
export function latencies(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    const u = state / 2147483648;
    return 5 + 40 * u + (u > 0.97 ? 900 * u : 0);
  });
}
