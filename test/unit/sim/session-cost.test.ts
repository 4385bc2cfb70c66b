/**
 * Cost per conversation. det.yaml's one call costs 1,100 input tokens × $1/Mtok + 500 output tokens ×
 * $2/Mtok = $0.0021 exactly; the mean read from the HDR histogram of micro-dollars was $0.002101 (the
 * top of the value's bucket), and a free model still cost $1.57/day because each conversation was
 * recorded as at least one micro-dollar. The mean is now an exact sum over the count; the p95 stays
 * the histogram's.
 */
import { describe, expect, it } from 'vitest';
import { runDet } from './det-scenario.js';

describe('cost per conversation', () => {
  it('has an exact mean', () => {
    const r = runDet(['duration=15m']);
    expect(r.cost.perConversationUsd.mean).toBeCloseTo(0.0021, 15);
    expect(r.cost.perDayUsd).toBeCloseTo(0.0021 * r.population.conversationsPerDay, 9);
    expect(r.cost.perConversationUsd.p95).toBeGreaterThanOrEqual(0.0021);
  });

  it('is nothing when the model is free', () => {
    const r = runDet(['duration=15m', 'models.m.price.input=$0/Mtok', 'models.m.price.output=$0/Mtok']);
    expect(r.cost.windowUsd).toBe(0);
    expect(r.cost.perConversationUsd).toEqual({ mean: 0, p95: 0 });
    expect(r.cost.perDayUsd).toBe(0);
    expect(r.answer).toContain('$0/day');
  });
});
