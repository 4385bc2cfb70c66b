/**
 * The limits of `ci check`: how far each gated figure may move the wrong way before the check fails.
 * A relative limit (throughput, cost, latency) is a ratio written in the scenario's ratio convention
 * (`5%` or `0.05`, README "Units"); the error rate's is in percentage points (`0.5pp`: 1.0 % → 1.5 %
 * passes, → 1.6 % fails), because a relative rise of a rate near zero says nothing (0.1 % → 0.2 % is
 * "+100 %"). `off` disables a gate; its figure is still shown.
 */
import { ErrorCode, HeadroomError } from '../errors.js';
import { parseRatio } from '../scenario/units.js';

/** A limit as a ratio (relative, or points of a ratio for the error rate), or no gate. */
export type Limit = number | 'off';

export interface Thresholds {
  /** Largest drop of throughput, relative (0.05: 5 %). */
  throughputDrop: Limit;
  /** Largest rise of cost per conversation and of cost per day, relative. */
  costIncrease: Limit;
  /** Largest rise of turn latency p95, relative. */
  latencyIncrease: Limit;
  /** Largest rise of the error rate, in ratio points (0.005: 0.5 percentage points). */
  errorRateIncrease: Limit;
}

/** The defaults as typed on the command line (for --help and the README). */
export const DEFAULT_LIMITS = { maxThroughputDrop: '5%', maxCostIncrease: '5%', maxLatencyIncrease: '10%', maxErrorRateIncrease: '0.5pp' } as const;

const RELATIVE_EXPECTED = 'a percentage from 0% to 100% (or a ratio from 0 to 1, like 0.05), or off';
const POINTS_EXPECTED = 'percentage points from 0pp to 100pp, like 0.5pp, or off';
const NUMBER_RE = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/;
const POINTS_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*pp\s*$/i;

function bad(flag: string, expected: string, value: unknown, hint?: string): HeadroomError {
  const found = Array.isArray(value) ? `${JSON.stringify(value.map(String).join(', '))} (given more than once)` : JSON.stringify(String(value));
  return new HeadroomError(ErrorCode.badArgument, `${flag}: expected ${expected}, found ${found}`, { hint: hint ?? `e.g. ${flag} 5%, or ${flag} off to disable this gate` });
}

const isOff = (text: string) => text.trim().toLowerCase() === 'off';

/** `5%`, `0.05` or `off` → 0.05 or 'off'; anything else is HEADROOM_ERR_BAD_ARGUMENT (exit 2) naming the flag. */
export function relativeLimit(value: unknown, flag: string): Limit {
  if (Array.isArray(value)) throw bad(flag, RELATIVE_EXPECTED, value);
  const text = String(value);
  if (isOff(text)) return 'off';
  // parseRatio reads `5%`, and a number (as YAML gives it); a bare number on the command line is a string.
  const p = parseRatio(NUMBER_RE.test(text) ? Number(text) : text);
  if (!p.ok) throw bad(flag, RELATIVE_EXPECTED, value, /^\s*\d+(\.\d+)?\s*$/.test(text) && Number(text) > 1 ? `a bare number is a ratio (0.05 = 5 %): did you mean ${text.trim()}%?` : undefined);
  return p.value;
}

/** `0.5pp`, `0` or `off` → 0.005, 0 or 'off'. A `%` is refused: a rise of 0.5 % of an error rate is ambiguous. */
export function pointsLimit(value: unknown, flag: string): Limit {
  if (Array.isArray(value)) throw bad(flag, POINTS_EXPECTED, value);
  const text = String(value);
  if (isOff(text)) return 'off';
  const m = POINTS_RE.exec(text);
  // A bare 0 needs no unit (as a duration of 0 needs none).
  const points = m ? Number(m[1]) : text.trim() === '0' ? 0 : NaN;
  if (!(points >= 0 && points <= 100)) {
    const percent = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/.exec(text);
    throw bad(
      flag,
      POINTS_EXPECTED,
      value,
      percent ? `the error rate's limit is in percentage points: ${flag} ${percent[1]}pp lets 1.0 % become ${(1 + Number(percent[1])).toFixed(1)} %` : `e.g. ${flag} 0.5pp, or ${flag} off to disable this gate`,
    );
  }
  return points / 100;
}

export interface ThresholdFlags {
  maxThroughputDrop: unknown;
  maxCostIncrease: unknown;
  maxLatencyIncrease: unknown;
  maxErrorRateIncrease: unknown;
}

/** Every limit from its flag, each checked with the flag's name in the error. */
export function parseThresholds(f: ThresholdFlags): Thresholds {
  return {
    throughputDrop: relativeLimit(f.maxThroughputDrop, '--max-throughput-drop'),
    costIncrease: relativeLimit(f.maxCostIncrease, '--max-cost-increase'),
    latencyIncrease: relativeLimit(f.maxLatencyIncrease, '--max-latency-increase'),
    errorRateIncrease: pointsLimit(f.maxErrorRateIncrease, '--max-error-rate-increase'),
  };
}
