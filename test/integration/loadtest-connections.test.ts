/**
 * The load generator's own connection pool (`--connections`) is not the target. Against a Fastify turn
 * API on loopback that holds every answer HOLD_MS, with `--connections 1` the replay's turns queue for
 * the one connection: the target's turn latency must stay what the target took (measured from when the
 * request actually left), the wait for the connection must be reported apart (per turn: how many waited,
 * mean, p99), and a run whose turns the generator itself delayed must say so and exit 1, as one that
 * fell behind on its timers. Before, the wait was counted as the target's latency (p99 of 1 s held turns
 * read several seconds) and the run passed as trustworthy.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/core/metrics/report.js';
import { runCli } from '../helpers/cli.js';

/** Real ms the target holds every turn. */
const HOLD_MS = 100;
const K = 10;

interface HoldingTarget {
  url: string;
  /** Most turn requests the target held at once. */
  maxConcurrent: () => number;
  received: () => number;
  app: FastifyInstance;
}

async function holdingTarget(): Promise<HoldingTarget> {
  const app = Fastify();
  let now = 0;
  let max = 0;
  let received = 0;
  app.post('/v1/sessions/:id/turns', async () => {
    received++;
    max = Math.max(max, ++now);
    await new Promise((r) => setTimeout(r, HOLD_MS));
    now--;
    return { status: 'ok', charges: [], costNanos: 0 };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, maxConcurrent: () => max, received: () => received, app };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

// Eight conversations of three turns, arriving within ~300 ms real: their turns overlap on the target.
const SETS = ['warmup=0s', 'users.dailyActive=1000', 'conversation.turns=3', 'conversation.thinkTime=1s'].flatMap((o) => ['--set', o]);

async function run(connections: number) {
  const target = await holdingTarget();
  closers.push(() => target.app.close());
  const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', target.url, '--time-scale', String(K), '--max-sessions', '8', '--connections', String(connections), ...SETS, '--json']);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (!r.stdout) throw new Error(`exit ${r.code}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as Report;
  expect(ReportSchema.safeParse(report).error?.issues ?? []).toEqual([]);
  return { r, report, target };
}

describe('loadtest --connections: the wait for a connection is the load generator, not the target', () => {
  it('with --connections 1 the target latency leaves the wait out, the wait is reported, and the run says the generator delayed turns (exit 1)', async () => {
    const { r, report, target } = await run(1);
    expect(target.maxConcurrent()).toBe(1);
    expect(target.received()).toBe(24);
    // The target's latency: what it held each turn (1 s of scenario time at 10×), plus loopback overhead.
    const turn = report.latency.turn;
    expect(turn.count).toBeGreaterThan(0);
    expect(turn.p50).toBeGreaterThanOrEqual(HOLD_MS * K * 0.95);
    expect(turn.max, `turn latency ${JSON.stringify(turn)}`).toBeLessThan(HOLD_MS * K * 1.6);
    // The client-side wait, reported apart (real ms): most turns waited, the last of the first burst for ~7 holds.
    const g = report.run.generator!;
    expect(g.connections).toBe(1);
    expect(g.sends).toBe(24);
    expect(g.connectionWait.count).toBeGreaterThan(10);
    expect(g.connectionWait.mean).toBeGreaterThan(HOLD_MS / 2);
    expect(g.connectionWait.p99).toBeGreaterThan(3 * HOLD_MS);
    expect(g.lateSends).toBeGreaterThanOrEqual(g.lateForConnection);
    expect(g.lateForConnection).toBeGreaterThan(10);
    expect(g.maxLagMs).toBeGreaterThanOrEqual(g.connectionWait.max);
    // One notion of "the generator fell behind": turns delayed by the pool are late sends, named as such.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: the load generator fell behind: .*waited for one of its 1 connection \(--connections 1/);
    expect(report.answer).toMatch(/waited for one of the load generator's 1 connection/);
  }, 30_000);

  it('with enough connections no turn waits, and nothing is said about connections', async () => {
    const { r, report, target } = await run(32);
    expect(target.maxConcurrent()).toBeGreaterThan(1);
    const g = report.run.generator!;
    expect(g.connections).toBe(32);
    expect(g.connectionWait.count).toBe(0);
    expect(g.lateForConnection).toBe(0);
    expect(r.stderr).not.toContain('--connections');
    expect(report.latency.turn.max).toBeLessThan(HOLD_MS * K * 1.6);
  }, 30_000);
});
