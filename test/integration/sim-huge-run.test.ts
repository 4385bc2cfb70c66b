/**
 * `sim run --allow-huge-run`: a run past the 10⁹-turn ceiling (src/sim/run-size.ts), refused without the flag
 * (test/unit/cli/sim-run-input.test.ts), is run with it — after a warning on stderr saying how large it is, so
 * the silence that follows is not taken for a hang. The run itself would take years, so the test watches it
 * start and stops it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnHeadroom, type HeadroomProcess } from '../helpers/runtime.js';

const HUGE = ['sim', 'run', 'scenarios/support-agent.yaml', '--json', '--set', 'users.dailyActive=1e9', '--set', 'users.concurrencyRatio=100%', '--set', 'duration=31d', '--set', 'warmup=1h'];

const procs: HeadroomProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});

async function until(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

describe('sim run --allow-huge-run', () => {
  it('warns how large the run is and runs it, instead of refusing it (exit 2)', async () => {
    const p = spawnHeadroom([...HUGE, '--allow-huge-run']);
    procs.push(p);
    let exitCode: number | undefined;
    void p.exited(60_000).then((c) => (exitCode = c), () => undefined);
    await until(() => p.stderr().includes('\n') || exitCode !== undefined, 20_000);
    expect(p.stderr()).toMatch(/^warning: scenarios\/support-agent\.yaml: the run would simulate about [\d.]+e\+\d+ turns, .*; running it anyway \(--allow-huge-run\)\n$/);
    expect(p.stderr()).not.toContain('HEADROOM_ERR');
    // Still running a second later: simulating, not refused.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(exitCode).toBeUndefined();
  }, 30_000);
});
