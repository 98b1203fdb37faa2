import type { Histogram, JsHistogram } from 'hdr-histogram-js';
import { newLatencyHistogram, toRecordedUs } from './histograms';

/**
 * Latency recording off HdrHistogram's per-value path. `recordValue` costs tens of nanoseconds (a
 * `Math.log2` and a `Math.pow` per value, and the bookkeeping around them); at tens of thousands of
 * requests per second, with two histograms per request, that shows in the generator's throughput.
 * Here a value costs an integer-only bucket index and one counter increment in a pending counts
 * array laid out like the histogram's own. Before anyone reads the histogram (and whenever a pending
 * counter would overflow), the pending counts are folded in: each bucket touched is recorded once with
 * its count, the largest and smallest non-zero values seen recorded as themselves. The histogram then
 * holds exactly what one `recordValue` per value would have given it: the same counts in the same
 * buckets, the same total, minimum and maximum.
 */

// The bucket layout of newLatencyHistogram (1 us units, 3 significant digits), read from a real one.
const layout = newLatencyHistogram() as unknown as JsHistogram;
if (layout.unitMagnitude !== 0) throw new Error('buffered-histogram expects latency histograms with a 1 us lowest discernible value');
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = layout.subBucketHalfCountMagnitude;
const COUNTS_LENGTH = layout.countsArrayLength;
/** 31 - clz32(v) is floor(log2(v)); a value's bucket is that minus the sub-bucket half-count magnitude. */
const BUCKET_SHIFT = 31 - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
/** Pending counters are marked dirty per block of this many, so a fold visits only what was touched. */
const BLOCK_BITS = 5;
const BLOCK_SIZE = 1 << BLOCK_BITS;
/** A pending counter is 16 bits; at this count its bucket is folded in first. */
const COUNTER_LIMIT = 0xffff;

/**
 * HdrHistogram's counts-array index of an integer value in [0, 2^32), the index JsHistogram's
 * `countsArrayIndex` computes with `log2` and `pow`, here with `Math.clz32` and shifts.
 */
export function bucketIndexOf(value: number): number {
  const bucket = Math.max(0, BUCKET_SHIFT - Math.clz32(value));
  return (bucket << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (value >>> bucket);
}

/** A latency histogram that counts values on the side and folds them in exactly; read it through `histogram`. */
export class BufferedHistogram {
  readonly #histogram: Histogram = newLatencyHistogram();
  // Allocated on the first value: a series' time-to-first-token histogram mostly stays empty.
  #counts: Uint16Array | undefined;
  #dirty: Uint8Array | undefined;
  #pending = 0;
  #max = 0;
  #minNonZero = Infinity;

  /** Records a latency in milliseconds, exactly as `recordMs` of ./histograms would. */
  recordMs(ms: number): void {
    const value = toRecordedUs(ms);
    const index = bucketIndexOf(value);
    const counts = (this.#counts ??= new Uint16Array(COUNTS_LENGTH));
    let count = (counts[index] as number) + 1;
    if (count > COUNTER_LIMIT) {
      this.flush();
      count = 1;
    }
    counts[index] = count;
    (this.#dirty ??= new Uint8Array(COUNTS_LENGTH >> BLOCK_BITS))[index >> BLOCK_BITS] = 1;
    this.#pending += 1;
    if (value > this.#max) this.#max = value;
    if (value !== 0 && value < this.#minNonZero) this.#minNonZero = value;
  }

  /** Values recorded and not folded in yet. */
  get pending(): number {
    return this.#pending;
  }

  /** Every value recorded so far, folded in: read, encode or merge this, never a stale copy. */
  get histogram(): Histogram {
    this.flush();
    return this.#histogram;
  }

  /** Folds the pending counts into the histogram now. */
  flush(): void {
    const counts = this.#counts;
    const dirty = this.#dirty;
    if (this.#pending === 0 || !counts || !dirty) return;
    const histogram = this.#histogram;
    const max = this.#max;
    const minNonZero = this.#minNonZero;
    const maxIndex = bucketIndexOf(max);
    const minIndex = minNonZero === Infinity ? -1 : bucketIndexOf(minNonZero);
    for (let block = 0; block < dirty.length; block += 1) {
      if (dirty[block] === 0) continue;
      dirty[block] = 0;
      const end = Math.min(COUNTS_LENGTH, (block + 1) * BLOCK_SIZE);
      for (let index = block * BLOCK_SIZE; index < end; index += 1) {
        let count = counts[index] as number;
        if (count === 0) continue;
        counts[index] = 0;
        // The extremes go in as themselves, so the histogram's exact max and min equal direct recording's.
        if (index === maxIndex) {
          histogram.recordValue(max);
          count -= 1;
        }
        // The rest of a bucket goes in as one value of it (the same counter): the smallest non-zero
        // value in its own bucket, so the minimum stays exact, elsewhere the bucket's lowest value.
        if (count > 0) histogram.recordValueWithCount(index === minIndex ? minNonZero : (histogram as unknown as JsHistogram).valueFromIndex(index), count);
      }
    }
    this.#pending = 0;
    this.#max = 0;
    this.#minNonZero = Infinity;
  }
}
