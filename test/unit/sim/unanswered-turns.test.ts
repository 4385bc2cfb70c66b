/**
 * A run in which many turns go unanswered must say so first. det.yaml with a 1 s provider timeout
 * (calls take 5.5 s): every call times out, the breaker opens, and all 5,489 turns of the 5-minute
 * window fail "breaker-open" — yet the answer read "you need 1 worker … p95 turn latency 0ms".
 */
import { describe, expect, it } from 'vitest';
import { runDet } from './det-scenario.js';

describe('turns not answered', () => {
  it('lead the answer with their share and top reasons, and latency with no answered turn reads n/a', () => {
    const r = runDet(['models.m.timeout=1s', 'duration=10m']);
    expect(r.turns).toMatchObject({ arrived: 5489, completed: 0, failed: 5489, byReason: { 'breaker-open': 5489 } });
    expect(r.answer).toMatch(/^100 % of turns were not answered \(breaker-open 100 %\)\. /);
    expect(r.answer).toContain('p95 turn latency n/a (no turn answered)');
    expect(r.answer).not.toContain('0ms');
  });

  it('fail a latency SLO: a percentile of no answered turn is not measured (it read 0 ms and passed)', () => {
    const r = runDet(['models.m.timeout=1s', 'duration=10m', 'slo.turnLatencyP95=8s', 'slo.ttftP95=2s', 'slo.maxCostPerDay=$1000']);
    expect(r.slo.checks).toEqual([
      { name: 'turn latency p95', target: 8000, actual: 0, unit: 'ms', measured: false, pass: false },
      { name: 'TTFT p95', target: 2000, actual: 0, unit: 'ms', measured: false, pass: false },
      // No conversation completed, so none was priced: $0 a day is not measured either (it passed).
      { name: 'cost per day', target: 1000, actual: 0, unit: 'usd', measured: false, pass: false },
    ]);
    expect(r.slo.pass).toBe(false);
    expect(r.answer).toContain('SLO failed: turn latency p95, TTFT p95, cost per day.');
  });

  it('lead with up to three reasons, largest first, when 1 % or more are not answered', () => {
    // A 30-second queue deadline on too few workers: 23 % of turns wait past it.
    const r = runDet(['workers.count=8', 'duration=15m']);
    const t = r.turns;
    const share = (t.rejected + t.deadLettered + t.failed) / t.arrived;
    expect(share).toBeGreaterThan(0.01);
    expect(r.answer).toMatch(new RegExp(`^${Math.round(share * 100)} % of turns were not answered \\(deadline ${Math.round(share * 100)} %\\)\\. `));
  });

  it('is not mentioned when every turn is answered', () => {
    const r = runDet(['duration=15m']);
    expect(r.turns.completed).toBe(r.turns.arrived);
    expect(r.answer).not.toContain('not answered');
  });
});
