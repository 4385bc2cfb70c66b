/**
 * Queue figures per class: with strict priority and too few workers, the interactive class must wait
 * less than batch, and the report must show it (the pooled queue wait mixed both: the research agent's
 * interactive turns waited at most 30 s, its batch turns up to 10 min, in one p95 of 9.22 min).
 */
import { describe, expect, it } from 'vitest';
import { reportView } from '../../../src/report/sections.js';
import { runDet } from './det-scenario.js';

describe('queue by class', () => {
  // det.yaml: 18.2 turns/s of 5.5 s offer 100 slots of work; 9 workers × 10 = 90 slots queue them.
  const r = runDet(['users.priorityMix={interactive: 1, batch: 1}', 'workers.count=9', 'queue.timeout=10m', 'duration=20m']);
  const byClass = r.capacity.queueByClass!;

  it('counts every turn of the window in its class', () => {
    expect(Object.keys(byClass)).toEqual(['interactive', 'batch']); // priority order
    const sum = (k: 'turns' | 'answered' | 'rejected' | 'deadLettered') => byClass.interactive![k] + byClass.batch![k];
    expect(sum('turns')).toBe(r.turns.arrived);
    expect(sum('answered')).toBe(r.turns.completed + r.turns.cacheHits);
    expect(sum('deadLettered')).toBe(r.turns.deadLettered);
    expect(sum('rejected')).toBe(r.turns.rejected);
    expect(byClass.interactive!.queueWait.count + byClass.batch!.queueWait.count).toBe(r.latency.queueWait.count);
  });

  it('shows strict priority: interactive waits far less than batch', () => {
    const i = byClass.interactive!.queueWait;
    const b = byClass.batch!.queueWait;
    expect(b.p95).toBeGreaterThan(0);
    expect(i.p95).toBeLessThan(b.p95 / 5);
    expect(i.mean).toBeLessThan(b.mean);
  });

  it('is a section of the report only when more than one class had turns', () => {
    expect(reportView(r).sections.map((s) => s.title)).toContain('Queue by class');
    expect(reportView(runDet(['duration=10m'])).sections.map((s) => s.title)).not.toContain('Queue by class');
  });
});
