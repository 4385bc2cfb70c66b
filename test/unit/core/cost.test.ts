import { describe, expect, it } from 'vitest';
import { MemoryCostCounters } from '../../../src/core/cost/index.js';
import { ZERO_USAGE } from '../../../src/core/types.js';
import { costConformance } from '../../conformance/cost.case.js';

costConformance('memory', () => ({ store: new MemoryCostCounters(), cleanup: () => {} }));

describe('MemoryCostCounters', () => {
  it('answers synchronously, models in first-seen order', () => {
    const c = new MemoryCostCounters();
    c.add('sonnet', { ...ZERO_USAGE, inputTokens: 10 }, 30);
    c.add('haiku', ZERO_USAGE, 1);
    c.add('sonnet', { ...ZERO_USAGE, outputTokens: 5 }, 75);
    const t = c.totals();
    expect(Object.keys(t.byModel)).toEqual(['sonnet', 'haiku']);
    expect(t.byModel.sonnet).toMatchObject({ requests: 2, inputTokens: 10, outputTokens: 5, costNanos: 105 });
  });

  it('stays exact where a float sum of dollars would not', () => {
    const c = new MemoryCostCounters();
    let dollars = 0;
    for (let i = 0; i < 10; i++) {
      c.add('m', ZERO_USAGE, 100_000_000); // $0.10
      dollars += 0.1;
    }
    expect(dollars).not.toBe(1);
    expect(c.totals().byModel.m!.costNanos).toBe(1_000_000_000);
  });
});
