/**
 * ConversationCostTally (core/metrics/conversation-cost.ts): a conversation served in full, priced from
 * the completed conversations of each planned length, weighted by how many conversations planned it.
 */
import { describe, expect, it } from 'vitest';
import { ConversationCostTally } from '../../../src/core/metrics/conversation-cost.js';

describe('ConversationCostTally', () => {
  it('weights the completed conversations of each length by the conversations that planned it', () => {
    const t = new ConversationCostTally();
    // 1 turn: 2 planned, both completed at 10 n$. 3 turns: 4 planned, 1 completed at 40 n$, 3 cut short.
    t.ended(1, 10, true);
    t.ended(1, 10, true);
    t.ended(3, 40, true);
    for (const c of [0, 10, 25]) t.ended(3, c, false);
    // (2 × 10 + 4 × 40) / 6 = 30 n$; the plain mean of the completed would be 20 n$.
    expect(t.summary()).toEqual({ perConversationUsd: 30e-9, completed: 3, cutShort: { conversations: 3, usd: 35e-9, unpriced: 0 } });
  });

  it('counts the conversations of a length no completed one had, and weights over the rest', () => {
    const t = new ConversationCostTally();
    t.ended(2, 20, true);
    t.ended(5, 30, false);
    t.ended(5, 0, false);
    expect(t.summary()).toEqual({ perConversationUsd: 20e-9, completed: 1, cutShort: { conversations: 2, usd: 30e-9, unpriced: 2 } });
  });

  it('merges as if one process had seen every conversation (distributed load tests)', () => {
    const one = new ConversationCostTally();
    const a = new ConversationCostTally();
    const b = new ConversationCostTally();
    const rows: [number, number, boolean][] = [[1, 7, true], [2, 15, true], [2, 3, false], [4, 9, false], [1, 6, true], [2, 17, true]];
    rows.forEach(([n, c, done], i) => {
      one.ended(n, c, done);
      (i % 2 === 0 ? a : b).ended(n, c, done);
    });
    a.mergeFrom(JSON.parse(JSON.stringify(b.toJSON())));
    expect(a.summary()).toEqual(one.summary());
    expect(a.summary().cutShort).toEqual({ conversations: 2, usd: 12e-9, unpriced: 1 });
  });
});
