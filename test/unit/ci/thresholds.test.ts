/**
 * The limits' flags: ratios in the scenario's convention (`5%`, `0.05`), the error rate's in percentage
 * points (`0.5pp`), `off`; anything else exit 2 naming the flag and quoting what was typed.
 */
import { describe, expect, it } from 'vitest';
import { HeadroomError } from '../../../src/errors.js';
import { DEFAULT_LIMITS, parseThresholds, pointsLimit, relativeLimit } from '../../../src/ci/thresholds.js';

function error(f: () => unknown): HeadroomError {
  try {
    f();
  } catch (e) {
    if (e instanceof HeadroomError) return e;
    throw e;
  }
  throw new Error('expected a HeadroomError');
}

describe('relative limits', () => {
  it.each([
    ['5%', 0.05],
    [' 12.5 % ', 0.125],
    ['0.05', 0.05],
    ['0', 0],
    ['100%', 1],
    ['off', 'off'],
    ['OFF', 'off'],
  ] as const)('%j reads %j', (text, value) => {
    expect(relativeLimit(text, '--max-cost-increase')).toBe(value);
  });

  it.each(['150%', '-5%', 'abc', '', '5 percent', '1e-2'])('%j is refused, exit 2, naming the flag', (text) => {
    const e = error(() => relativeLimit(text, '--max-cost-increase'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`--max-cost-increase: expected a percentage from 0% to 100% (or a ratio from 0 to 1, like 0.05), or off, found ${JSON.stringify(text)}`);
  });

  it('a bare number above 1 is taken for a forgotten %, and said so', () => {
    expect(error(() => relativeLimit('5', '--max-latency-increase')).hint).toBe('a bare number is a ratio (0.05 = 5 %): did you mean 5%?');
  });

  it('given twice is refused', () => {
    expect(error(() => relativeLimit(['5%', '6%'], '--max-cost-increase')).message).toContain('found "5%, 6%" (given more than once)');
  });
});

describe('the error rate limit, in percentage points', () => {
  it.each([
    ['0.5pp', 0.005],
    ['2 pp', 0.02],
    ['0', 0],
    ['off', 'off'],
  ] as const)('%j reads %j', (text, value) => {
    expect(pointsLimit(text, '--max-error-rate-increase')).toBe(value);
  });

  it('a % is refused, with the percentage points it probably meant', () => {
    const e = error(() => pointsLimit('0.5%', '--max-error-rate-increase'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('--max-error-rate-increase: expected percentage points from 0pp to 100pp, like 0.5pp, or off, found "0.5%"');
    expect(e.hint).toBe("the error rate's limit is in percentage points: --max-error-rate-increase 0.5pp lets 1.0 % become 1.5 %");
  });

  it.each(['0.005', '101pp', 'pp', '-1pp'])('%j is refused', (text) => {
    expect(error(() => pointsLimit(text, '--max-error-rate-increase')).exitCode).toBe(2);
  });
});

describe('the defaults', () => {
  it('are 5 % on throughput and cost, 10 % on p95, 0.5 pp on errors', () => {
    expect(parseThresholds(DEFAULT_LIMITS)).toEqual({ throughputDrop: 0.05, costIncrease: 0.05, latencyIncrease: 0.1, errorRateIncrease: 0.005 });
  });
});
