/** Number formatting for people: fixed inputs, exact outputs. */
import { describe, expect, it } from 'vitest';
import { duration, int, num, pct, sentences, span, tokens, usd, wrap } from '../../../src/report/format.js';

describe('report formatting', () => {
  it.each([
    [int(1234567.4), '1,234,567'],
    [num(16.1024), '16.1'],
    [num(3), '3'],
    [num(18948.25), '18,948'],
    [pct(0.53674), '53.7%'],
    [pct(0), '0.0%'],
    [usd(2795.832), '$2,795.83'],
    [usd(83874.96295), '$83,874.96'],
    [usd(1), '$1.00'],
    [usd(0.036769), '3.7¢'],
    [usd(0.00042), '0.042¢'],
    [usd(0), '$0'],
    [tokens(640_512), '640,512'],
    [tokens(56_122_073), '56.1M'],
    [tokens(1_234_000_000), '1.2G'],
    [duration(2533.375), '2.53s'],
    [duration(596.479), '596ms'],
    [duration(0.266), '0.3ms'],
    [span(3_996_000), '1h 7m'],
    [span(7_200_000), '2h'],
    [span(300_000), '5m'],
  ])('%s is %s', (got, want) => expect(got).toBe(want));

  it('wraps at spaces within the width', () => {
    const lines = wrap('one two three four five six seven', 10, '  ');
    expect(lines).toEqual(['  one two', '  three', '  four', '  five six', '  seven']);
    expect(lines.every((l) => l.length <= 10)).toBe(true);
  });

  it('keeps a percent sign written apart with its number', () => {
    expect(wrap('it reaches 25 % of the peak', 13)).toEqual(['it reaches', '25 % of the', 'peak']);
  });

  it('splits the answer into sentences, not at decimal points or prices', () => {
    expect(sentences('You need 3 workers (16.1 slots). Costs $0.037 each. All SLOs met.')).toEqual(['You need 3 workers (16.1 slots).', 'Costs $0.037 each.', 'All SLOs met.']);
  });
});
