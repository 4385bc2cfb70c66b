/**
 * Workers saturated while a provider limit held calls back in our limiter. A turn keeps its slot while
 * its call waits in the limiter's line, so in a burst the limit cannot carry, every slot fills with
 * waiting: det.yaml with RPM 2,000 and a ×3 spike for 5 of the window's 15 minutes refused 14 % of
 * turns a slot on 100 workers. The offered-load estimate counted that wait as slot time, and the answer
 * said "you need 100 workers … rerun with --set workers.count=100 to confirm" on 100 workers, 200 on
 * 200 and 400 on 400: it chased the configuration and asked for a rerun of the run it was describing.
 * The limit does not bind on the window's mean, so the "limit caps throughput" answer does not apply.
 */
import { describe, expect, it } from 'vitest';
import { runDet } from './det-scenario.js';

const SPIKE = ['duration=20m', 'models.m.limits.rpm=2000', 'users.arrival={profile: spikes, spikes: [{at: 10m, for: 5m, multiplier: 3}]}'];

describe('workers saturated while a provider limit held calls back', () => {
  const on = (workers: number) => runDet([...SPIKE, `workers.count=${workers}`]);
  const runs = [100, 200].map((w) => ({ w, r: on(w) }));

  it('is a run where slots were refused and the limit held calls back, but does not cap the mean', () => {
    for (const { r } of runs) {
      expect(r.turns.rejected + r.turns.deadLettered).toBeGreaterThan(0);
      expect(r.limits.binding).toMatchObject({ model: 'm', limit: 'rpm' });
      expect(r.limits.binding!.heldBack).toBeGreaterThan(1000);
    }
  });

  it('rests workers needed on the offered load without the limiter wait, the same whatever the workers configured', () => {
    const [a, b] = runs.map(({ r }) => r.capacity);
    expect(a!.workersNeededBasis).toBe('limiterWait');
    expect(b!.workersNeededBasis).toBe('limiterWait');
    // 5.5 s a call; 18.2 conversations/s at ×1, ×3 in the spike: about 100 slots outside it and 300 in it.
    expect(a!.workersNeeded).toBeGreaterThanOrEqual(30);
    expect(a!.workersNeeded).toBeLessThan(40);
    expect(b!.workersNeeded).toBe(a!.workersNeeded);
  });

  it('says the slots filled with waiting for the limit, and asks for no rerun of the configured count', () => {
    for (const { w, r } of runs) {
      expect(r.answer).not.toContain(`rerun with --set workers.count=${w} to confirm`);
      expect(r.answer).toContain('while the m RPM limit held calls back');
      expect(r.answer).toContain('more workers would only wait there longer');
      expect(r.answer).toMatch(/Without that wait, turns would need [\d.]+ slots on average \(p99 \d+\)/);
    }
  });
});
