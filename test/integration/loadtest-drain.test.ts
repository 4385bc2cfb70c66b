/**
 * The drain after a load test's window is bounded (`--drain-timeout`, like k6's gracefulStop) and
 * announced: against a target that holds some turns and never answers them, the run ends soon after
 * the bound instead of waiting out each request's own timeout (before: a 100 ms window ran 120 s,
 * silently, and the held turns read as `timeout` failures). What is still in flight is counted as cut
 * off — every turn sent is answered, failed or cut off — and the run is reported incomplete (exit 1).
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/core/metrics/report.js';
import { replay, type DrainStart } from '../../src/loadtest/replay.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runCli } from '../helpers/cli.js';

/**
 * A turn API that answers at once, except turn 2 of every session whose id is a multiple of 5: that
 * request is held open and never answered. Counts what it received, answered and holds.
 */
async function holdingTarget(): Promise<{ url: string; received: () => number; answered: () => number; held: () => number; close: () => Promise<void> }> {
  let received = 0;
  let answered = 0;
  let held = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received++;
      // The workload session is in the plan (the URL's id is the run's own: `<run id>.<session>`).
      const plan = (JSON.parse(body) as { plan?: { session?: number; turn?: number } }).plan;
      if (plan?.session !== undefined && plan.session % 5 === 0 && plan.turn === 2) {
        held++;
        return;
      }
      answered++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', charges: [], costNanos: 0 }));
    });
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    answered: () => answered,
    held: () => held,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

// One scenario minute at 600×: 100 ms of arrivals, then the conversations that started run on.
const K = 600;
const OVERRIDES = ['duration=1m', 'warmup=10s'];

describe('loadtest drain', () => {
  it('is bounded: turns still in flight at the bound are cut off and counted, not waited for', async () => {
    const target = await holdingTarget();
    closers.push(target.close);
    const scenario = await loadScenario('scenarios/support-agent.yaml', { overrides: OVERRIDES });
    const drains: DrainStart[] = [];
    const startedAt = performance.now();
    // A request timeout of 15 s stands in for the default 120 s: without a drain bound the run lasts that long.
    const r = await replay(scenario, { target: target.url, timeScale: K, seed: scenario.seed, requestTimeoutMs: 15_000, drainTimeoutMs: 1000, onDrain: (d) => drains.push(d) });
    const wallMs = performance.now() - startedAt;
    const m = r.measurements;

    expect(target.held()).toBeGreaterThan(2);
    expect(wallMs).toBeLessThan(6000);
    expect(drains).toHaveLength(1);
    expect(drains[0]!.drainTimeoutMs).toBe(1000);
    expect(drains[0]!.sessionsRunning).toBeGreaterThan(0);
    // Conservation: every turn sent was answered or is counted as cut off; none vanished.
    expect(m.sends).toBe(target.received());
    expect(m.responses).toBe(target.answered());
    expect(m.cutOffAtDrain).toBe(target.held());
    expect(m.responses + m.cutOffAtDrain).toBe(m.sends);
    expect(m.sessionsCutOffAtDrain).toBeGreaterThanOrEqual(m.cutOffAtDrain);
    // The window's held turns are outcomes of their own, not timeouts.
    const t = m.turns;
    expect(t.failed).toBe(0);
    expect(t.cutOffAtDrain).toBeGreaterThan(0);
    expect(t.arrived).toBe(t.completed + t.cacheHits + t.rejected + t.deadLettered + t.failed + t.cutOffAtDrain);
  }, 30_000);

  it('loadtest --drain-timeout: announces the drain, reports what it cut off, exits 1', async () => {
    const target = await holdingTarget();
    closers.push(target.close);
    const sets = OVERRIDES.flatMap((o) => ['--set', o]);
    const startedAt = performance.now();
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', target.url, '--time-scale', String(K), ...sets, '--max-late-share', '1', '--drain-timeout', '1s', '--json']);
    expect(performance.now() - startedAt).toBeLessThan(10_000);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/^draining \d+ turns? in flight \(\d+ conversations? still running\), up to 1s \(--drain-timeout\)$/m);
    expect(r.stderr).toContain(`${target.held()} turns still in flight were cut off at drain`);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(ReportSchema.safeParse(report).error?.issues ?? []).toEqual([]);
    expect(report.run.drain).toEqual({ timeoutMs: 1000, cutOffTurns: target.held(), cutOffSessions: expect.any(Number) as number });
    expect(report.answer).toContain('Incomplete: the drain was cut off after 1s');
    const t = report.turns;
    expect(t.arrived).toBe(t.completed + t.cacheHits + t.rejected + t.deadLettered + t.failed + (t.cutOffAtDrain ?? NaN));
  }, 30_000);

  it('a run whose conversations all finish within the bound is complete: nothing cut off', async () => {
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', 'http://127.0.0.1:9', '--time-scale', String(K), '--set', 'duration=1m', '--set', 'warmup=10s', '--json']);
    // Nothing listens there: every first turn fails at once, so every conversation ends; exit 2 says why.
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.run.drain).toEqual({ timeoutMs: 60_000, cutOffTurns: 0, cutOffSessions: 0 });
    expect(report.turns.cutOffAtDrain).toBe(0);
  }, 30_000);
});
