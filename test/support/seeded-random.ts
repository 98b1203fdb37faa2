/**
 * A seeded pseudo-random source (mulberry32), so a test's data, and a failure, reproduce: numbers in
 * [0, 1), the same sequence for the same seed. Its low bits are as random as its high ones (a plain
 * linear congruential generator's are not, and picking from short lists by them repeats).
 */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
