import { hdrReportedValue } from '../core/metrics/fast-histogram.js';
import { newHistogram, type Histogram } from '../core/metrics/histogram.js';

/** HDR's rank for a percentile: the count at which `getValueAtPercentile` stops, its ulp guard included. */
function hdrRank(percentile: number, n: number): number {
  const fp = (Math.min(percentile, 100) / 100) * n;
  return Math.max(Math.ceil(fp - Math.pow(2, Math.floor(Math.log2(fp)) - 52)), 1);
}

/** The k-th smallest (0-based) of a[0, n), partly reordering `a`: Hoare's quickselect, O(n) on average. */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // Now a[lo..j] ≤ pivot ≤ a[i..hi], and anything between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Values per time step (turn latencies in µs), kept raw so that a per-step percentile is exact and
 * recording is a store. Why not an HDR histogram per step: each holds a ~270 KB counts array, so a
 * day of one-minute steps took ~200 MB of RSS and ~3 % of the run zeroing them, and `recordValue`
 * costs ~140 ns; raw values cost 8 bytes each. `percentile` answers exactly what an HDR histogram
 * (`newHistogram()`) of the same values would: the value of HDR's rank, mapped to the highest value
 * of its HDR bucket (the golden reports hold it to that).
 */
export class StepValues {
  private readonly steps: (Float64Array | undefined)[] = [];
  private readonly counts: number[] = [];
  /** Largest value of each step: a percentile reads no higher (HDR's bucket top may lie above it). */
  private readonly maxima: number[] = [];
  private scratch: Histogram | undefined;

  record(step: number, value: number): void {
    let a = this.steps[step];
    const n = this.counts[step] ?? 0;
    if (n === 0 || value > this.maxima[step]!) this.maxima[step] = value;
    if (a === undefined || n === a.length) {
      const grown = new Float64Array(a ? a.length * 2 : 64);
      if (a) grown.set(a);
      this.steps[step] = a = grown;
    }
    a[n] = value;
    this.counts[step] = n + 1;
  }

  count(step: number): number {
    return this.counts[step] ?? 0;
  }

  /**
   * As HDR's `getValueAtPercentile` over the step's values, but never above the step's largest value (as
   * `summarise` caps the report's percentiles); 0 for a step without values.
   */
  percentile(step: number, percentile: number): number {
    const n = this.count(step);
    if (n === 0) return 0;
    const value = select(this.steps[step]!, n, hdrRank(percentile, n) - 1);
    return Math.min(this.bucketTop(value, percentile), this.maxima[step]!);
  }

  /** What HDR reports for `value` at `percentile`: the top of its bucket. */
  private bucketTop(value: number, percentile: number): number {
    const reported = hdrReportedValue(value, percentile);
    if (reported !== undefined) return reported;
    // Beyond the computed range: one value in a scratch histogram, whose every percentile is that value's.
    const h = (this.scratch ??= newHistogram());
    h.reset();
    h.recordValue(value);
    return h.getValueAtPercentile(percentile);
  }
}

/**
 * A histogram of small non-negative integers (slots busy, calls in flight, queue depth), sampled at a
 * fixed interval: exact mean and percentiles of the sampled values without keeping the samples.
 */
export class IntHistogram {
  private counts = new Float64Array(64);
  private n = 0;
  private sum = 0;
  private maxSeen = 0;

  record(v: number): void {
    const i = v < 0 ? 0 : Math.round(v);
    if (i >= this.counts.length) {
      const next = new Float64Array(Math.max(i + 1, this.counts.length * 2));
      next.set(this.counts);
      this.counts = next;
    }
    this.counts[i]!++;
    this.n++;
    this.sum += i;
    if (i > this.maxSeen) this.maxSeen = i;
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  get max(): number {
    return this.maxSeen;
  }

  percentile(p: number): number {
    if (this.n === 0) return 0;
    const rank = Math.ceil((p / 100) * this.n);
    let acc = 0;
    for (let i = 0; i <= this.maxSeen; i++) {
      acc += this.counts[i]!;
      if (acc >= rank) return i;
    }
    return this.maxSeen;
  }
}

/** Min-heap of end times, to know how many calls are in flight at a sampling instant. */
export class EndTimes {
  private h: number[] = [];

  get size(): number {
    return this.h.length;
  }

  push(t: number): void {
    const h = this.h;
    let i = h.length;
    h.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= t) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = t;
  }

  /** Drops every end time ≤ t. */
  popUntil(t: number): void {
    const h = this.h;
    while (h.length > 0 && h[0]! <= t) {
      const last = h.pop()!;
      if (h.length === 0) break;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
  }
}
