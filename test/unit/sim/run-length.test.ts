/**
 * How long a run is simulated: the window and the drain of what arrived in it, no more. A turn queued
 * for a slot arms a deadline timer, cancelled when the slot comes; the run looped while any event was
 * pending, cancelled ones included, so it went on to the last cancelled deadline: with `queue.timeout:
 * 1d` a 10-hour run was simulated for 34 h, its series 1,440 steps of trailing zeros.
 *
 * And the clock stops at that last event, not at the end of the progress slice (1 % of the duration)
 * that held it: det.yaml over 15 m (every turn 5.5 s, so the last ends before 15m5.5s) read 909 s, the
 * 9 s slice's end; a 24 h run's drain read up to 14.4 minutes long.
 */
import { describe, expect, it } from 'vitest';
import { runDet } from './det-scenario.js';

describe('the simulated run', () => {
  it('ends with its last event, not with a cancelled queue deadline', () => {
    // One slot, 5.5 s a turn, 8 conversations × 10 % = 0.8 concurrent: ρ ≈ 0.8, so turns queue and get their slot.
    const r = runDet(['users.dailyActive=8', 'workers.count=1', 'workers.concurrency=1', 'queue.timeout=1d', 'duration=30m']);
    expect(r.capacity.queueDepth.max).toBeGreaterThan(0);
    expect(r.turns.deadLettered).toBe(0);
    expect(r.run.simulatedMs).toBeGreaterThanOrEqual(30 * 60_000);
    expect(r.run.simulatedMs).toBeLessThan(35 * 60_000); // a drain of a few turns of 5.5 s, not a day
    expect(r.series.t.length).toBe(Math.ceil(r.run.simulatedMs / r.series.stepMs));
  });

  it('stops the clock at its last event (det.yaml over 15 m: the last turn ends within 5.5 s of the window)', () => {
    const r = runDet(['duration=15m']);
    expect(r.turns.deadLettered + r.turns.rejected).toBe(0);
    expect(r.run.simulatedMs).toBeGreaterThan(15 * 60_000);
    expect(r.run.simulatedMs).toBeLessThanOrEqual(15 * 60_000 + 5_500);
  });
});
