/**
 * Latency histograms: HDR (hdr-histogram-js), recorded in microseconds with explicit bounds (1 µs to
 * 31 days, 3 significant digits), summarised in milliseconds, and mergeable through their compressed
 * encoding — so load-generator agents can ship them to one report. Pure JS (no WebAssembly) so the
 * simulator stays synchronous.
 */
import * as hdr from 'hdr-histogram-js';

export const HIGHEST_US = 31 * 86_400 * 1e6;

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Records a duration given in ms (clamped to the bounds). */
export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : us);
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

const ms = (us: number) => Math.round(us) / 1000;

/**
 * `h`'s percentile `q` in its recorded unit, never above the largest value recorded (0 when empty). HDR
 * answers a percentile with the top of its value's bucket, which can lie above that: a p99 of 27.07 s over
 * turns that all took at most 27.06 s failed a 27.06 s SLO.
 */
export function percentileOf(h: Histogram, q: number): number {
  return h.totalCount === 0 ? 0 : Math.min(h.getValueAtPercentile(q), h.maxValue);
}

/** Percentiles in ms (0 for an empty histogram). */
export function summarise(h: Histogram): Summary {
  if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const at = (q: number) => ms(percentileOf(h, q));
  return { count: h.totalCount, mean: ms(h.mean), p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: ms(h.maxValue) };
}

export const encodeHistogram = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** Decodes an encoded histogram (e.g. from another load-generator agent). */
export const decodeHistogram = (s: string): Histogram => hdr.decodeFromCompressedBase64(s, 64, false);

/** Adds `from` into `into`. */
export function mergeInto(into: Histogram, from: Histogram): void {
  into.add(from);
}
