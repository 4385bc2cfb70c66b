/**
 * Cost per conversation of a run that leaves turns unanswered. A user whose turn is refused, dead-
 * lettered or failed gives up, so the conversation ends there, cut short, having cost less or nothing.
 * Averaged in, they made "$ per conversation" read low: det.yaml on 8 workers (one call a conversation,
 * $0.0021 each) dead-letters 20 % of its turns, and the report said $0.00167 per conversation and
 * $2,626 a day where a conversation costs $0.0021 and serving the day's conversations $3,299.
 * Cost per conversation is now that of a conversation served in full, from the completed ones weighted
 * to the planned lengths (core/metrics/conversation-cost.ts); the cut-short ones are counted and costed
 * apart, and the answer says so.
 */
import { describe, expect, it } from 'vitest';
import { reportView } from '../../../src/report/sections.js';
import { runDet } from './det-scenario.js';

const VARYING = ['duration=15m', 'conversation.turns={dist: uniform, min: 1, max: 6}', 'conversation.thinkTime=5s'];

describe('cost per conversation when turns go unanswered', () => {
  it('is that of a completed conversation; the cut-short ones are counted apart', () => {
    const r = runDet(['workers.count=8', 'duration=15m']);
    expect(r.turns.deadLettered).toBe(2235);
    expect(r.cost.cutShort).toEqual({ conversations: 2235, usd: 0, unpriced: 0 });
    expect(r.cost.perConversationUsd.mean).toBeCloseTo(0.0021, 15);
    expect(r.cost.perDayUsd).toBeCloseTo(0.0021 * r.population.conversationsPerDay, 9);
    // The window's cost is still what it spent: the completed conversations only.
    expect(r.cost.windowUsd).toBeCloseTo(0.0021 * (r.population.sessionsCompleted - 2235), 9);
    expect(r.answer).toContain(
      '$3,299/day, $0.002 per conversation served in full (20 % of conversations were cut short by a turn not answered, $0 each: the cost figures price them as if served, from the completed conversations of each length).',
    );
    const costNotes = JSON.stringify(reportView(r).sections.find((x) => x.title === 'Cost')?.notes);
    expect(costNotes).toContain('2,235 cut short ($0), priced as if served in full');
  });

  it('costs a conversation cut short after some answered turns apart, at what it spent', () => {
    // Three turns: a completed conversation costs $0.0081 (its context grows: 1,100 + 1,700 + 2,300
    // input tokens, 1,500 output); one cut short at its second or third turn cost $0.0021 or $0.0050.
    const r = runDet(['workers.count=5', 'duration=15m', 'conversation.turns=3', 'conversation.thinkTime=5s']);
    const cut = r.cost.cutShort;
    expect(cut.conversations).toBeGreaterThan(0.05 * r.population.sessionsCompleted);
    expect(r.cost.perConversationUsd.mean).toBeCloseTo(0.0081, 15);
    expect(cut.usd).toBeGreaterThan(0);
    expect(cut.usd).toBeLessThan(0.005 * cut.conversations + 1e-9);
    const completed = r.population.sessionsCompleted - cut.conversations;
    // The window's conversations with all their turns (the cohort) spent exactly that.
    expect(r.cohort.costNanos / 1e9).toBeCloseTo(0.0081 * completed + cut.usd, 9);
    expect(r.answer).toMatch(/ per conversation served in full \(\d+ % of conversations were cut short by a turn not answered, \$0\.00\d each: /);
  });

  it('is weighted to the planned lengths: the completed conversations skew short', () => {
    // 1–6 turns on 5 workers: a long conversation is cut short more often, so the completed ones cost
    // $0.0100 on average where every conversation served costs $0.0108 (100 workers). Each length costs
    // the same in both runs, so the weighted figure is the served one. Before: $0.0086.
    const few = runDet(['workers.count=5', ...VARYING]);
    const ample = runDet(VARYING);
    expect(ample.cost.cutShort.conversations).toBe(0);
    expect(few.cost.cutShort.conversations).toBeGreaterThan(0.1 * few.population.sessionsCompleted);
    expect(few.cost.perConversationUsd.mean).toBeCloseTo(ample.cost.perConversationUsd.mean, 12);
    expect(few.cost.perConversationUsd.mean).toBeCloseTo(0.010811017838405, 12);
  });

  it('is not measured when no conversation completed', () => {
    // Every call times out: no conversation completes, and $0 per conversation would say it was free.
    const r = runDet(['models.m.timeout=1s', 'duration=10m']);
    expect(r.cost.cutShort.conversations).toBe(r.population.sessionsCompleted);
    expect(r.cost.cutShort.unpriced).toBe(r.population.sessionsCompleted);
    expect(r.answer).toContain('cost per conversation n/a (no conversation completed)');
    expect(r.answer).not.toContain('$0/day');
    // Nor does a cost SLO pass on it.
    const slo = runDet(['models.m.timeout=1s', 'duration=10m', 'slo.maxCostPerDay=$1000', 'slo.maxCostPerConversation=$1']).slo;
    expect(slo.checks.map((c) => [c.name, c.measured, c.pass])).toEqual([
      ['cost per day', false, false],
      ['cost per conversation', false, false],
    ]);
  });

  it('says nothing of cut-short conversations when every turn is answered', () => {
    const r = runDet(['duration=15m']);
    expect(r.cost.cutShort).toEqual({ conversations: 0, usd: 0, unpriced: 0 });
    expect(r.answer).toContain('$3,299/day, $0.002 per conversation.');
    expect(JSON.stringify(reportView(r).sections.find((x) => x.title === 'Cost')?.notes)).not.toContain('cut short');
  });
});
