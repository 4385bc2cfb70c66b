/**
 * The load generator's own connection pool (`--connections`) is not the target. Against a Fastify turn
 * API on loopback that holds every answer HOLD_MS, with `--connections 1` the replay's turns queue for
 * the one connection: the target's turn latency must stay what the target took (measured from when the
 * request actually left), the wait for the connection must be reported apart (per turn: how many waited,
 * mean, p99), and a run whose turns the generator itself delayed must say so and exit 1, as one that
 * fell behind on its timers. Before, the wait was counted as the target's latency (p99 of 1 s held turns
 * read several seconds) and the run passed as trustworthy.
 *
 * Nor is the setup of a connection the generator opens: against the same API over HTTPS whose TLS
 * handshakes take 150 ms, the turns that opened a connection must read what the target held them, with
 * the setup reported apart (k6's http_req_connecting). Before, a turn held 1 s (at 10×) read 2.6 s.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/core/metrics/report.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, spawnHeadroom, type HeadroomProcess } from '../helpers/runtime.js';

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

/** Real ms the TLS target holds each new connection before its handshake: connection setup, not a turn. */
const HANDSHAKE_MS = 150;
const TLS = resolve(REPO_ROOT, 'test/fixtures/tls');

/**
 * The holding turn API over HTTPS, whose TLS handshakes take HANDSHAKE_MS: each new TCP connection is
 * paused on accept for that long, then handed to the HTTPS server. A turn on a kept-alive connection
 * pays nothing of it; one that needs a new connection waits that long before its request can be sent.
 */
async function slowHandshakeTarget(): Promise<HoldingTarget & { connections: () => number; close: () => Promise<void> }> {
  const app = Fastify({ https: { key: readFileSync(resolve(TLS, 'loopback-key.pem')), cert: readFileSync(resolve(TLS, 'loopback-cert.pem')) } });
  let received = 0;
  app.post('/v1/sessions/:id/turns', async () => {
    received++;
    await new Promise((r) => setTimeout(r, HOLD_MS));
    return { status: 'ok', charges: [], costNanos: 0 };
  });
  await app.ready();
  let connections = 0;
  const front: Server = createServer({ pauseOnConnect: true }, (socket) => {
    connections++;
    setTimeout(() => app.server.emit('connection', socket), HANDSHAKE_MS);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(front.address() as { port: number }).port}`;
  const close = async () => {
    front.close();
    await app.close();
  };
  return { url, app, maxConcurrent: () => 0, received: () => received, connections: () => connections, close };
}

describe('loadtest: connection setup is measured apart, not in the target latency (k6 http_req_connecting)', () => {
  let proc: HeadroomProcess | undefined;
  afterEach(() => proc?.kill());

  it('turns that opened a connection (a slow TLS handshake) report the target latency alone, and the setup in run.generator', async () => {
    const target = await slowHandshakeTarget();
    closers.push(target.close);
    proc = spawnHeadroom(
      ['loadtest', 'scenarios/support-agent.yaml', '--target', target.url, '--time-scale', String(K), '--max-sessions', '8', '--connections', '32', ...SETS, '--json'],
      { NODE_EXTRA_CA_CERTS: resolve(TLS, 'loopback-cert.pem') },
    );
    const code = await proc.exited(30_000);
    expect(proc.stderr()).not.toMatch(/\n\s+at /);
    const report = JSON.parse(proc.stdout()) as Report;
    expect(ReportSchema.safeParse(report).error?.issues ?? []).toEqual([]);
    expect(code, proc.stderr()).toBe(0);
    expect(target.received()).toBe(24);
    // Every conversation's first turn arrives while the others hold their connections: several handshakes.
    expect(target.connections()).toBeGreaterThanOrEqual(2);
    // The target's latency: what it held each turn (1 s of scenario time at 10×), not the 1.5 s handshake on top.
    const turn = report.latency.turn;
    expect(turn.count).toBeGreaterThan(0);
    expect(turn.p50).toBeGreaterThanOrEqual(HOLD_MS * K * 0.95);
    expect(turn.max, `turn latency ${JSON.stringify(turn)}`).toBeLessThan(HOLD_MS * K * 1.6);
    // The setup, apart and in real ms: one per connection the generator opened, each at least the handshake's hold.
    const setup = report.run.generator!.connectionSetup;
    expect(setup.count).toBe(target.connections());
    expect(setup.mean).toBeGreaterThanOrEqual(HANDSHAKE_MS * 0.95);
    expect(setup.max).toBeLessThan(HANDSHAKE_MS * 3);
    // Not the generator's lag either: no send counts as late for it, and none waited for a connection slot.
    expect(report.run.generator!.lateSends).toBe(0);
    expect(report.run.generator!.connectionWait.count).toBe(0);
  }, 40_000);
});
