/**
 * Distributions a scenario can give for any random quantity, in the field's own unit:
 * constant (a bare value), uniform, normal (truncated at 0), exponential, lognormal (median + p95, or
 * mean + sd), Poisson, Zipf (rank 1..n with exponent s) and empirical (values + weights).
 *
 * The schema normalises every form to a `Dist` in base units; `compileSampler` turns a `Dist` into a
 * closure over precomputed constants (the workload draws millions of values per second); `distMean`
 * gives the expectation that Little's law needs.
 */
import { z } from 'zod';
import type { Rng } from './rng.js';

export type Dist =
  | { dist: 'constant'; value: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; sd: number }
  | { dist: 'exponential'; mean: number }
  | { dist: 'lognormal'; mu: number; sigma: number }
  | { dist: 'poisson'; mean: number }
  | { dist: 'zipf'; n: number; s: number }
  | { dist: 'empirical'; values: number[]; weights: number[] };

export const DIST_NAMES = ['constant', 'uniform', 'normal', 'exponential', 'lognormal', 'poisson', 'zipf', 'empirical'] as const;

/** z value of the standard normal at the 95th percentile. */
const Z95 = 1.6448536269514722;
const MAX_ZIPF_N = 10_000_000;
const MAX_EMPIRICAL = 100_000;

type Field = () => z.ZodType<number, unknown>;

/**
 * Schema for a random quantity whose values are parsed by `field` (e.g. `duration()`): either a bare
 * value (a constant) or `{ dist: …, … }`. Values a draw can take (a constant, uniform bounds, empirical
 * values) are `field`s; a mean, median or p95 is a `param` and a standard deviation a `spread`, both `field`
 * unless given: a whole-number quantity (turns) has whole draws, but a mean of 2.5 or an sd of 0.5.
 */
export function distOf(field: Field, opts: { param?: Field; spread?: Field } = {}) {
  const param = opts.param ?? field;
  const spread = opts.spread ?? param;
  const obj = z.discriminatedUnion('dist', [
    z.strictObject({ dist: z.literal('constant'), value: field() }),
    z.strictObject({ dist: z.literal('uniform'), min: field(), max: field() }).check((ctx) => {
      // `input: undefined`: the parsed value is in base units (ms); the report then quotes what the user wrote.
      if (ctx.value.max < ctx.value.min) ctx.issues.push({ code: 'custom', message: 'expected max ≥ min', input: undefined, path: ['max'] });
    }),
    z.strictObject({ dist: z.literal('normal'), mean: param(), sd: spread() }),
    z.strictObject({ dist: z.literal('exponential'), mean: param() }),
    z
      .strictObject({
        dist: z.literal('lognormal'),
        median: param().optional(),
        p95: param().optional(),
        mean: param().optional(),
        sd: spread().optional(),
      })
      .check((ctx) => {
        const v = ctx.value;
        const byMedian = v.median !== undefined || v.p95 !== undefined;
        const byMean = v.mean !== undefined || v.sd !== undefined;
        if (byMedian === byMean || (byMedian && (v.median === undefined || v.p95 === undefined)) || (byMean && (v.mean === undefined || v.sd === undefined))) {
          ctx.issues.push({ code: 'custom', message: 'expected either `median` and `p95`, or `mean` and `sd`', input: ctx.value });
          return;
        }
        // `input: undefined` (see uniform): messages quote the user's own `30s`, not 30000 ms.
        if (byMedian && !(v.p95! > v.median!)) ctx.issues.push({ code: 'custom', message: 'expected p95 above the median', input: undefined, path: ['p95'] });
        if (byMedian && !(v.median! > 0)) ctx.issues.push({ code: 'custom', message: 'expected a median above 0', input: undefined, path: ['median'] });
        if (byMean && !(v.mean! > 0)) ctx.issues.push({ code: 'custom', message: 'expected a mean above 0', input: undefined, path: ['mean'] });
      }),
    z.strictObject({ dist: z.literal('poisson'), mean: param() }),
    z.strictObject({ dist: z.literal('zipf'), n: z.number().int().min(1).max(MAX_ZIPF_N), s: z.number().positive().max(10) }),
    z
      .strictObject({
        dist: z.literal('empirical'),
        values: z.array(field()).min(1).max(MAX_EMPIRICAL),
        weights: z.array(z.number().nonnegative()).max(MAX_EMPIRICAL).optional(),
      })
      .check((ctx) => {
        const { values, weights } = ctx.value;
        if (weights && weights.length !== values.length)
          ctx.issues.push({ code: 'custom', message: `expected ${values.length} weights, one per value`, input: weights, path: ['weights'] });
        else if (weights && !weights.some((w) => w > 0)) ctx.issues.push({ code: 'custom', message: 'expected at least one weight above 0', input: weights, path: ['weights'] });
      }),
  ]);
  return z.union([field(), obj]).transform((v): Dist => normalise(v as number | Record<string, unknown>));
}

type RawDist = { dist: Dist['dist']; median?: number; p95?: number; mean?: number; sd?: number; values?: number[]; weights?: number[] };

function normalise(v: number | Record<string, unknown>): Dist {
  if (typeof v === 'number') return { dist: 'constant', value: v };
  const o = v as RawDist;
  if (o.dist === 'lognormal') {
    if (o.median !== undefined) return { dist: 'lognormal', mu: Math.log(o.median), sigma: Math.log(o.p95! / o.median) / Z95 };
    const s2 = Math.log(1 + (o.sd! * o.sd!) / (o.mean! * o.mean!));
    return { dist: 'lognormal', mu: Math.log(o.mean!) - s2 / 2, sigma: Math.sqrt(s2) };
  }
  if (o.dist === 'empirical') return { dist: 'empirical', values: o.values!, weights: o.weights ?? o.values!.map(() => 1) };
  return o as unknown as Dist;
}

export const constant = (value: number): Dist => ({ dist: 'constant', value });

// ---- sampling ---------------------------------------------------------------------------------

export type Sampler = (rng: Rng) => number;

function standardNormal(rng: Rng): number {
  // Box–Muller without caching the second value: a cached spare would leak between per-session streams.
  return Math.sqrt(-2 * Math.log(rng.nextOpen())) * Math.cos(2 * Math.PI * rng.next());
}

const LOG_FACT_TABLE = (() => {
  const t = new Float64Array(256);
  for (let i = 2; i < 256; i++) t[i] = t[i - 1]! + Math.log(i);
  return t;
})();

function logFactorial(k: number): number {
  if (k < 256) return LOG_FACT_TABLE[k]!;
  // Stirling's series; error < 1e-10 for k ≥ 256.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k * k * k);
}

function poissonSampler(mean: number): Sampler {
  if (mean <= 0) return () => 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    return (rng) => {
      let k = 0;
      let p = rng.next();
      while (p > limit) {
        k++;
        p *= rng.next();
      }
      return k;
    };
  }
  // PTRS: Hörmann, "The transformed rejection method for generating Poisson random variables" (1993).
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  return (rng) => {
    for (;;) {
      const u = rng.next() - 0.5;
      const v = rng.nextOpen();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - logFactorial(k)) return k;
    }
  };
}

/** Binary search over a cumulative table (last entry = total). */
function cumulativeSampler(cum: Float64Array, valueAt: (i: number) => number): Sampler {
  const total = cum[cum.length - 1]!;
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return valueAt(lo);
  };
}

function zipfCumulative(n: number, s: number): Float64Array {
  const cum = new Float64Array(n);
  let acc = 0;
  for (let k = 1; k <= n; k++) cum[k - 1] = acc += 1 / Math.pow(k, s);
  return cum;
}

/**
 * Compiles a distribution into a fast sampler. `integer` rounds to whole numbers (token counts, turns)
 * and every sampler clamps at 0: no quantity in a scenario is negative.
 */
export function compileSampler(d: Dist, integer = false): Sampler {
  if (integer && d.dist === 'uniform') {
    // Whole numbers from min to max, each equally likely (rounding a continuous uniform would give
    // the two end values half the weight of the others).
    const lo = Math.max(0, Math.ceil(d.min));
    const n = Math.floor(d.max) - lo + 1;
    if (n >= 1) return (rng) => lo + Math.floor(rng.next() * n);
  }
  const base = rawSampler(d);
  return integer ? (rng) => Math.max(0, Math.round(base(rng))) : (rng) => Math.max(0, base(rng));
}

function rawSampler(d: Dist): Sampler {
  switch (d.dist) {
    case 'constant': {
      const v = d.value;
      return () => v;
    }
    case 'uniform': {
      const { min } = d;
      const span = d.max - d.min;
      return (rng) => min + span * rng.next();
    }
    case 'normal': {
      const { mean, sd } = d;
      return (rng) => {
        // Truncated at 0 by rejection; bounded so a badly placed mean cannot spin forever.
        for (let i = 0; i < 64; i++) {
          const x = mean + sd * standardNormal(rng);
          if (x >= 0) return x;
        }
        return 0;
      };
    }
    case 'exponential': {
      const { mean } = d;
      return (rng) => -mean * Math.log(rng.nextOpen());
    }
    case 'lognormal': {
      const { mu, sigma } = d;
      return (rng) => Math.exp(mu + sigma * standardNormal(rng));
    }
    case 'poisson':
      return poissonSampler(d.mean);
    case 'zipf':
      return cumulativeSampler(zipfCumulative(d.n, d.s), (i) => i + 1);
    case 'empirical': {
      const cum = new Float64Array(d.weights.length);
      let acc = 0;
      d.weights.forEach((w, i) => (cum[i] = acc += w));
      const values = d.values;
      return cumulativeSampler(cum, (i) => values[i]!);
    }
  }
}

function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * P(X ≤ x) for the distribution as sampled (normal: truncated at 0; every value clamped at 0). The
 * workload uses it for the share of count draws that round to 0 and are raised to 1, which moves
 * the mean session length (e.g. a Poisson(1) call count is 0 → 1 in 37 % of turns).
 */
export function distCdf(d: Dist, x: number): number {
  if (x < 0) return 0;
  switch (d.dist) {
    case 'constant':
      return x >= Math.max(0, d.value) ? 1 : 0;
    case 'uniform': {
      // Values below 0 are clamped to 0, so they count as ≤ x for every x ≥ 0.
      if (d.max <= d.min) return x >= Math.max(0, d.min) ? 1 : 0;
      return Math.min(1, Math.max(0, (x - d.min) / (d.max - d.min)));
    }
    case 'normal': {
      if (d.sd === 0) return x >= Math.max(0, d.mean) ? 1 : 0;
      const below0 = normalCdf(-d.mean / d.sd);
      return (normalCdf((x - d.mean) / d.sd) - below0) / (1 - below0);
    }
    case 'exponential':
      return d.mean > 0 ? 1 - Math.exp(-x / d.mean) : 1;
    case 'lognormal':
      if (x === 0) return 0;
      return d.sigma > 0 ? normalCdf((Math.log(x) - d.mu) / d.sigma) : Math.log(x) >= d.mu ? 1 : 0;
    case 'poisson': {
      if (d.mean <= 0) return 1;
      const k = Math.floor(x);
      // Beyond 40 sd above the mean the remaining mass is far below double precision.
      if (k >= d.mean + 40 * Math.sqrt(d.mean) + 40) return 1;
      const logMean = Math.log(d.mean);
      let p = 0;
      for (let i = 0; i <= k; i++) p += Math.exp(-d.mean + i * logMean - logFactorial(i));
      return Math.min(1, p);
    }
    case 'zipf': {
      const k = Math.min(d.n, Math.floor(x));
      if (k < 1) return 0;
      return discreteMean(d, (rank) => (rank <= k ? 1 : 0));
    }
    case 'empirical':
      return discreteMean(d, (v) => (Math.max(0, v) <= x ? 1 : 0));
  }
}

/** E[f(X)] for the discrete distributions: zipf's ranks 1..n with weights 1/kˢ, or the empirical values with theirs. */
function discreteMean(d: Extract<Dist, { dist: 'zipf' | 'empirical' }>, f: (value: number) => number): number {
  let num = 0;
  let den = 0;
  if (d.dist === 'zipf') {
    for (let k = 1; k <= d.n; k++) {
      const w = 1 / Math.pow(k, d.s);
      num += f(k) * w;
      den += w;
    }
  } else {
    d.values.forEach((v, i) => {
      num += f(v) * d.weights[i]!;
      den += d.weights[i]!;
    });
  }
  return num / den;
}

/** The expectation of the distribution as sampled (normal: truncated at 0). */
export function distMean(d: Dist): number {
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'normal': {
      if (d.sd === 0) return Math.max(0, d.mean);
      const alpha = -d.mean / d.sd;
      return d.mean + (d.sd * normalPdf(alpha)) / (1 - normalCdf(alpha));
    }
    case 'exponential':
    case 'poisson':
      return d.mean;
    case 'lognormal':
      return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
    case 'zipf':
    case 'empirical':
      return discreteMean(d, (v) => v);
  }
}
