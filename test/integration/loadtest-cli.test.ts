/**
 * `headroom loadtest` in-process against targets that do not behave: nothing listening, a target
 * interrupted mid-run. The user gets a clear message and a non-zero exit code, never a stack trace,
 * and the report of what was measured.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/runtime.js';
import type { Report } from '../../src/core/metrics/report.js';

// One scenario minute at 600×: about 100 ms of arrivals.
const SHORT = ['--time-scale', '600', '--duration', '1m', '--set', 'warmup=10s'];

describe('loadtest against a target that does not answer', () => {
  it('nothing listening: exit 2 saying the target answered no request, with the report of what was sent', async () => {
    const port = await closedPort();
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', `http://127.0.0.1:${port}`, '--json', ...SHORT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`http://127.0.0.1:${port} answered none of the`);
    expect(r.stderr).toContain('is `headroom serve` running');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.turns.arrived).toBeGreaterThan(0);
    expect(report.turns.failed).toBe(report.turns.arrived);
  }, 30_000);
});
