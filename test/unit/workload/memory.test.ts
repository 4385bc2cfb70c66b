/**
 * The stream is lazy and keeps nothing between sessions (src/workload/stream.ts "Memory"), so a day of
 * a million sessions streams in constant space. Heap is measured after a forced full GC, which makes
 * the figure deterministic up to a few hundred KB; a control run that *retains* sessions shows the
 * measurement would catch a leak. bench/workload.ts tracks RSS for a full day.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { checkScenarioFile } from '../../../src/scenario/load.js';
import { Workload } from '../../../src/workload/stream.js';
import type { Session } from '../../../src/workload/types.js';

// A full GC on demand without starting node with --expose-gc: the flag takes effect for new contexts.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc(); // a second pass collects what the first one's finalisers released
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

async function workload(): Promise<Workload> {
  // support-agent at 100,000 daily users: 17 arrivals/s, so 200,000 sessions in ~3.2 h of a 24 h run.
  const r = await checkScenarioFile('scenarios/support-agent.yaml', { overrides: ['duration=24h', 'users.dailyActive=100000'] });
  if (!r.scenario) throw new Error('support-agent.yaml does not load');
  return new Workload(r.scenario);
}

describe('memory', () => {
  it('streaming 200,000 sessions (~1.2 M turns) while keeping only counters grows the heap by < 8 MB', async () => {
    const w = await workload();
    const before = heapAfterGc();
    let sessions = 0;
    let turns = 0;
    for (const s of w.sessions()) {
      turns += s.turns.length;
      if (++sessions === 200_000) break;
    }
    const grownMb = (heapAfterGc() - before) / MB;
    expect(sessions).toBe(200_000);
    expect(turns).toBeGreaterThan(1_000_000);
    expect(grownMb).toBeLessThan(8);
  });

  it('control: retaining just 20,000 of those sessions grows the heap by > 8 MB, so the check above can fail', async () => {
    const w = await workload();
    const before = heapAfterGc();
    const kept: Session[] = [];
    for (const s of w.sessions()) if (kept.push(s) === 20_000) break;
    const grownMb = (heapAfterGc() - before) / MB;
    expect(kept).toHaveLength(20_000);
    expect(grownMb).toBeGreaterThan(8);
  });

  it('the stream is lazy: the first session of a ~1,000,000-session day arrives without generating the rest', async () => {
    const r = await checkScenarioFile('scenarios/support-agent.yaml', { overrides: ['duration=24h', 'users.dailyActive=65000'] });
    const w = new Workload(r.scenario!);
    expect(w.plan.baseRatePerS * 86_400).toBeGreaterThan(900_000);
    const before = heapAfterGc();
    const it = w.sessions();
    const firstSession = it.next();
    expect(firstSession.done).toBe(false);
    expect((heapAfterGc() - before) / MB).toBeLessThan(1);
    it.return(undefined);
  });
});
