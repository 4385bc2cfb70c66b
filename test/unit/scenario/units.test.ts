/** The unit convention of README "Units": what each parser accepts (and reads as) and what it refuses. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseCount, parseDuration, parseMoney, parsePrice, parseRate, parseRatio, type Parsed } from '../../../src/scenario/units.js';

type Parser = (input: unknown) => Parsed;

interface UnitTable {
  parser: Parser;
  accepts: [input: unknown, value: number][];
  rejects: unknown[];
}

const MTOK = 1e-6;

const TABLES: Record<string, UnitTable> = {
  parseDuration: {
    parser: parseDuration,
    accepts: [
      ['250ms', 250],
      ['30s', 30_000],
      ['2m', 120_000],
      ['2min', 120_000],
      ['1.5h', 5_400_000],
      ['1d', 86_400_000],
      ['.5s', 500],
      [' 30s ', 30_000],
      [0, 0], // the one bare number allowed
    ],
    rejects: [30, 3600, '30', '2 hours', '30 parsecs', '-5s', '1w', '', 's', null, undefined, { s: 30 }],
  },
  parseCount: {
    parser: parseCount,
    accepts: [
      [1500, 1500],
      ['1500', 1500],
      ['1.5k', 1500],
      ['2M', 2_000_000],
      ['1G', 1_000_000_000],
      ['2.5k tok', 2500],
      ['300 tokens', 300],
      [0, 0],
    ],
    rejects: ['lots', '1.5x', '2m', 'k', '', Infinity, NaN, true, null, [1]],
  },
  parsePrice: {
    parser: parsePrice,
    accepts: [
      ['$3/Mtok', 3 * MTOK],
      ['$0.30/Mtok', 0.3 * MTOK],
      ['$15/Mtok', 15 * MTOK],
      ['$0.003/ktok', 3 * MTOK],
      ['$3/M', 3 * MTOK],
      ['$0.01/tok', 0.01],
    ],
    rejects: ['3/Mtok', '$3', '$3 per token', '$3/Gtok', 3, 3e-6, '', null],
  },
  parseMoney: {
    parser: parseMoney,
    accepts: [
      ['$2000', 2000],
      ['$1.8k', 1800],
      ['$2,000', 2000],
      ['$1,234,567.50', 1_234_567.5],
      ['$0.37', 0.37],
      ['$2M', 2_000_000],
    ],
    rejects: ['2000', 2000, '$2,00', '$20,00,000', '€2000', '$', '$-5', null],
  },
  parseRatio: {
    parser: parseRatio,
    accepts: [
      [0.03, 0.03],
      ['3%', 0.03],
      ['0.5%', 0.005],
      [0, 0],
      [1, 1],
      ['100%', 1],
    ],
    rejects: [1.5, '150%', -0.1, '3', 'half', '', NaN, null],
  },
  parseRate: {
    parser: parseRate,
    accepts: [
      ['110/s', 110],
      ['4k/min', 4000 / 60],
      ['60/m', 1],
      ['3.6k/h', 1],
      ['1/ms', 1000],
      ['2M/min', 2_000_000 / 60],
    ],
    rejects: [110, '110', '110 per second', '/s', '110/d', '110/fortnight', null],
  },
};

/** Relative comparison: prices are ~1e-6 and `toBeCloseTo` is absolute. */
function expectValue(parsed: Parsed, expected: number): void {
  expect(parsed).toMatchObject({ ok: true });
  const value = (parsed as { value: number }).value;
  if (expected === 0) expect(value).toBe(0);
  else expect(value / expected).toBeCloseTo(1, 12);
}

describe.each(Object.entries(TABLES))('%s', (_name, { parser, accepts, rejects }) => {
  it.each(accepts)('reads %j as %d', (input, value) => expectValue(parser(input), value));

  it.each(rejects.map((r) => [r]))('refuses %j, saying what it expected', (input) => {
    const parsed = parser(input);
    expect(parsed.ok).toBe(false);
    // The expectation is shown to users: it must name the convention with an example.
    expect(parsed).toMatchObject({ expected: expect.stringMatching(/like .+/) });
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1_500, '1.5s'],
    [30_000, '30s'],
    [120_000, '2m'],
    [90_000, '1.5m'],
    [3_600_000, '1h'],
    [5_400_000, '1.5h'],
    [86_400_000, '24h'],
  ])('renders %d ms as %s, which reads back as the same duration', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expectValue(parseDuration(formatDuration(ms)), ms);
  });
});
