/**
 * The unit convention of scenario files, in one place (README "Units").
 *
 * - Durations always carry a unit: `250ms`, `30s`, `2m`, `1.5h`, `1d` → milliseconds.
 * - Counts and token sizes may carry a metric suffix: `1500`, `1.5k`, `2M`, `1G`; `tok`/`tokens` may follow.
 * - Prices per token: `$3/Mtok`, `$0.30/Mtok`, `$0.003/ktok`, `$3/M` → USD per token.
 * - Money: `$2000`, `$1.8k`, `$0.37` → USD.
 * - Ratios: `0.03` or `3%` → a number in [0, 1].
 * - Rates: `60/s`, `3.6k/min`, `1/h` → events per second.
 *
 * Each parser returns the number or a string saying what it expected; the zod helpers turn that into
 * a located validation issue.
 */
import { z } from 'zod';

export type Parsed = { ok: true; value: number } | { ok: false; expected: string };

const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const DURATION_RE = new RegExp(String.raw`^\s*${NUM}\s*(ms|s|sec|m|min|h|d)\s*$`, 'i');
const COUNT_RE = new RegExp(String.raw`^\s*${NUM}\s*(k|M|G)?\s*(tok|tokens)?\s*$`);
const PRICE_RE = new RegExp(String.raw`^\s*\$\s*${NUM}\s*\/\s*(k|M)?\s*(tok|tokens)?\s*$`);
const MONEY_RE = new RegExp(String.raw`^\s*\$\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(k|M)?\s*$`);
const RATE_RE = new RegExp(String.raw`^\s*${NUM}\s*(k|M)?\s*\/\s*(ms|s|sec|m|min|h)\s*$`);
const PERCENT_RE = new RegExp(String.raw`^\s*${NUM}\s*%\s*$`);

const MS_PER: Record<string, number> = { ms: 1, s: 1_000, sec: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const METRIC: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9 };

export const DURATION_EXPECTED = 'a duration with a unit, like 250ms, 30s, 2m, 1h';
export const COUNT_EXPECTED = 'a number, optionally with k/M/G, like 1500 or 1.5k';
export const PRICE_EXPECTED = 'a price per token count, like $3/Mtok or $0.30/Mtok';
export const MONEY_EXPECTED = 'an amount in dollars, like $2000 or $1.5k';
export const RATIO_EXPECTED = 'a ratio in [0, 1] or a percentage, like 0.03 or 3%';
export const RATE_EXPECTED = 'a rate with a unit, like 60/s or 4k/min';

export function parseDuration(input: unknown): Parsed {
  if (input === 0) return { ok: true, value: 0 };
  if (typeof input !== 'string') return { ok: false, expected: DURATION_EXPECTED };
  const m = DURATION_RE.exec(input);
  if (!m) return { ok: false, expected: DURATION_EXPECTED };
  return { ok: true, value: Number(m[1]) * MS_PER[m[2]!.toLowerCase()]! };
}

export function parseCount(input: unknown): Parsed {
  if (typeof input === 'number') return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, expected: COUNT_EXPECTED };
  if (typeof input !== 'string') return { ok: false, expected: COUNT_EXPECTED };
  const m = COUNT_RE.exec(input);
  if (!m) return { ok: false, expected: COUNT_EXPECTED };
  return { ok: true, value: Number(m[1]) * METRIC[m[2] ?? '']! };
}

/** USD per single token. */
export function parsePrice(input: unknown): Parsed {
  if (typeof input !== 'string') return { ok: false, expected: PRICE_EXPECTED };
  const m = PRICE_RE.exec(input);
  if (!m) return { ok: false, expected: PRICE_EXPECTED };
  return { ok: true, value: Number(m[1]) / METRIC[m[2] ?? '']! };
}

export function parseMoney(input: unknown): Parsed {
  if (typeof input !== 'string') return { ok: false, expected: MONEY_EXPECTED };
  const m = MONEY_RE.exec(input);
  if (!m) return { ok: false, expected: MONEY_EXPECTED };
  return { ok: true, value: Number(m[1]!.replaceAll(',', '')) * METRIC[m[2] ?? '']! };
}

export function parseRatio(input: unknown): Parsed {
  let v: number | undefined;
  if (typeof input === 'number') v = input;
  else if (typeof input === 'string') {
    const m = PERCENT_RE.exec(input);
    if (m) v = Number(m[1]) / 100;
  }
  if (v === undefined || !Number.isFinite(v) || v < 0 || v > 1) return { ok: false, expected: RATIO_EXPECTED };
  return { ok: true, value: v };
}

/** Events per second. */
export function parseRate(input: unknown): Parsed {
  if (typeof input !== 'string') return { ok: false, expected: RATE_EXPECTED };
  const m = RATE_RE.exec(input);
  if (!m) return { ok: false, expected: RATE_EXPECTED };
  return { ok: true, value: (Number(m[1]) * METRIC[m[2] ?? '']!) / (MS_PER[m[3]!.toLowerCase()]! / 1000) };
}

/** Renders milliseconds back in the convention (for messages and reports). */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 60_000 === 0) return `${+(ms / 3_600_000).toFixed(2)}h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(2)}m`;
  if (ms >= 1_000) return `${+(ms / 1_000).toFixed(2)}s`;
  return `${+ms.toFixed(1)}ms`;
}

// ---- zod helpers --------------------------------------------------------------------------------

type Bounds = { min?: number; max?: number; minExclusive?: boolean; integer?: boolean };

function checkBounds(v: number, b: Bounds, show: (n: number) => string): string | undefined {
  // A string of hundreds of digits reads as Infinity: refused here, not by the first cost or event it reaches.
  if (!Number.isFinite(v)) return b.max !== undefined ? `at most ${show(b.max)}` : 'a finite amount';
  if (b.integer && !Number.isInteger(v)) return `a whole number`;
  if (b.min !== undefined && (b.minExclusive ? v <= b.min : v < b.min)) return `${b.minExclusive ? 'more than' : 'at least'} ${show(b.min)}`;
  if (b.max !== undefined && v > b.max) return `at most ${show(b.max)}`;
  return undefined;
}

/**
 * A scenario field in the unit convention: accepts the input syntax (for the JSON Schema and editors),
 * yields a plain number in base units, and reports `expected … found …` on failure.
 */
function unitField(parse: (x: unknown) => Parsed, input: z.ZodType, show: (n: number) => string, b: Bounds = {}) {
  return input.transform((raw, ctx) => {
    const p = parse(raw);
    if (!p.ok) {
      ctx.addIssue({ code: 'custom', message: `expected ${p.expected}`, input: raw });
      return z.NEVER;
    }
    const bad = checkBounds(p.value, b, show);
    if (bad) {
      ctx.addIssue({ code: 'custom', message: `expected ${bad}`, input: raw });
      return z.NEVER;
    }
    return p.value;
  });
}

const num = () => z.number();
// The `error` wording replaces zod's type-level message, so a wrong type reads like a wrong value
// ("expected a duration with a unit …, found 3600", not "expected 0 or a string").
const str = (expected: string) => z.string({ error: `expected ${expected}` }).describe(expected);
const numOrStr = (expected: string) => z.union([num(), str(expected)], { error: `expected ${expected}` });

export const duration = (b: Bounds = { min: 0 }) =>
  unitField(parseDuration, z.union([z.literal(0), str(DURATION_EXPECTED)], { error: `expected ${DURATION_EXPECTED}` }), formatDuration, b);
export const count = (b: Bounds = { min: 0 }) => unitField(parseCount, numOrStr(COUNT_EXPECTED), String, b);
/**
 * At most $1000/Mtok, over ten times any published price: cost is counted in whole nano-dollars, exact only
 * below 2⁵³, and a price of hundreds of digits made a run's first cost an internal error.
 */
export const MAX_PRICE_PER_TOKEN = 1e-3;
export const price = () => unitField(parsePrice, str(PRICE_EXPECTED), (n) => `$${+(n * 1e6).toPrecision(12)}/Mtok`, { min: 0, max: MAX_PRICE_PER_TOKEN });
export const money = (b: Bounds = { min: 0 }) => unitField(parseMoney, str(MONEY_EXPECTED), (n) => `$${n}`, b);
export const ratio = () => unitField(parseRatio, numOrStr(RATIO_EXPECTED), String);
export const rate = (b: Bounds = { min: 0, minExclusive: true }) => unitField(parseRate, str(RATE_EXPECTED), (n) => `${n}/s`, b);
