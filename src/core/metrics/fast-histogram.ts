/**
 * An HDR histogram (`newHistogram()`) behind a faster recording path, for the simulator's hot loop.
 *
 * Why: hdr-histogram-js finds a value's slot with log2, pow and a division, ~140 ns per value, and a
 * simulated turn records several. For integers below 2^32 (in µs: 71 minutes) the slot is a count of
 * leading zeros and a shift, a few ns. Those values are counted here, in HDR's own slot layout, and
 * added to the HDR histogram in one pass when it is read; other values go to HDR as they come.
 *
 * Exactness: the histogram returned by `histogram()` equals, in every observable field (counts per
 * slot, total, min non-zero, max; hence percentiles, mean and the encoding), the one that recording
 * each value with `recordValue` gives — test/unit/core/fast-paths.test.ts checks it. Read it only
 * through `histogram()`.
 */
import { HIGHEST_US, newHistogram, type Histogram } from './histogram.js';

// HDR's layout for lowestDiscernibleValue 1 and 3 significant digits (newHistogram): sub-buckets of
// 2^11 slots, each bucket after the first starting half-way (2^10); unit magnitude 0.
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
const FAST_LIMIT = 2 ** 32;
/** Slots of the values below 2^32: buckets 0…21. */
const FAST_SLOTS = (32 - HALF_MAGNITUDE + 1) * HALF_COUNT;

/** HDR's slot of an integer 0 ≤ v < 2^32 (its countsArrayIndex). */
function slotOf(v: number): number {
  const log2 = 31 - Math.clz32(v);
  const bucket = log2 > HALF_MAGNITUDE ? log2 - HALF_MAGNITUDE : 0;
  return ((bucket + 1) << HALF_MAGNITUDE) + (v >>> bucket) - HALF_COUNT;
}

/** The lowest value of a slot (HDR's valueFromIndex). */
function slotValue(slot: number): number {
  let bucket = Math.floor(slot / HALF_COUNT) - 1;
  let sub = (slot % HALF_COUNT) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * What `getValueAtPercentile(percentile)` of an HDR histogram (`newHistogram()`) reports when the value
 * at that rank is `v`: the lowest value of v's slot for percentile 0, the highest otherwise. Computed
 * for integers below 2^32; `undefined` for other values (ask HDR).
 */
export function hdrReportedValue(v: number, percentile: number): number | undefined {
  if (!(v >= 0 && v < FAST_LIMIT && Number.isInteger(v))) return undefined;
  const lowest = slotValue(slotOf(v));
  if (percentile === 0) return lowest;
  const log2 = 31 - Math.clz32(v);
  return lowest + 2 ** (log2 > HALF_MAGNITUDE ? log2 - HALF_MAGNITUDE : 0) - 1;
}

export class FastHistogram {
  private readonly h = newHistogram();
  private readonly counts = new Float64Array(FAST_SLOTS);
  private pending = 0;
  private low = FAST_SLOTS;
  private high = -1;
  /** Lowest non-zero and highest value counted here since the last flush. */
  private minNonZero = Infinity;
  private max = -1;

  /** Records a value as `recordValue` would (an integer ≥ 0 in practice: µs, micro-dollars). */
  record(v: number): void {
    if (!(v >= 0 && v < FAST_LIMIT && Number.isInteger(v))) {
      this.h.recordValue(v);
      return;
    }
    const slot = slotOf(v);
    this.counts[slot]!++;
    this.pending++;
    if (slot < this.low) this.low = slot;
    if (slot > this.high) this.high = slot;
    if (v > this.max) this.max = v;
    if (v !== 0 && v < this.minNonZero) this.minNonZero = v;
  }

  /** Records a duration given in ms as µs, clamped to the bounds (as `recordMs`). */
  recordMs(ms: number): void {
    const us = Math.round(ms * 1000);
    this.record(us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : us);
  }

  histogram(): Histogram {
    if (this.pending > 0) this.flush();
    return this.h;
  }

  /**
   * Adds the counted slots to HDR, each under its lowest value — except the slots of the lowest
   * non-zero and the highest value, which go under those values themselves so that HDR's min and max
   * come out as recorded (a slot's lowest value maps back to the same slot, so counts are unchanged).
   */
  private flush(): void {
    const { counts, h } = this;
    const minSlot = this.minNonZero === Infinity ? -1 : slotOf(this.minNonZero);
    const maxSlot = slotOf(this.max);
    for (let slot = this.low; slot <= this.high; slot++) {
      const n = counts[slot]!;
      if (n === 0) continue;
      counts[slot] = 0;
      if (slot === minSlot && slot === maxSlot) {
        if (n > 1) h.recordValueWithCount(this.minNonZero, n - 1);
        h.recordValueWithCount(this.max, 1);
      } else if (slot === minSlot) h.recordValueWithCount(this.minNonZero, n);
      else if (slot === maxSlot) h.recordValueWithCount(this.max, n);
      else h.recordValueWithCount(slotValue(slot), n);
    }
    this.pending = 0;
    this.low = FAST_SLOTS;
    this.high = -1;
    this.minNonZero = Infinity;
    this.max = -1;
  }
}
