/**
 * The load generator itself (issue "Load tester", goal): how much one load-test process can drive,
 * measured with `replay()` (src/loadtest/replay.ts) — the code `headroom loadtest` runs — against a
 * fake runtime that answers every `POST /v1/sessions/:id/turns` at once with a small valid body.
 *
 *   npx tsx bench/loadgen.ts [--steps 1000,2000,5000,10000,20000] [--think 10s] [--turns 3]
 *                            [--raw-sessions 256] [--raw-turns 40000] [--fake-servers 1]
 *                            [--no-concurrency] [--no-raw] [--check]
 *
 * (a) Concurrent sessions. For each step N: N sessions of `--turns` turns with a constant `--think`
 *     (real time, time scale 1; 10 s ≈ a support agent's 30 s at time scale 3) arrive at N ÷ think
 *     per second, so arrivals are spread over one think time, all N sessions are open together for
 *     the next one, and the steady rate is N ÷ think turns/s (2,000/s at 20,000). The scheduling lag
 *     of a turn is when it left (a wait for one of the 128 connections included) minus when the
 *     workload meant it to leave (`onTurn`: (sentAtMs − intendedAtMs) ÷ time scale); lag is over
 *     every turn of the step, ramp included. The answer is
 *     the largest N whose lag p99 stays under 5 ms; steps stop after the first that misses.
 * (b) Raw turns/s: `--raw-sessions` sessions with think time 0 arriving at once, each a closed loop
 *     of turns, `--raw-turns` turns in all, over as many HTTP connections as sessions.
 * (c) CPU: this process's CPU time (user + system, `process.cpuUsage`) ÷ wall time of each run
 *     (1.0 = one core busy), and CPU µs per turn.
 *
 * Before the steps, `baseline_timer_lag_*`: how late 2 ms timers fire in this process while it does
 * nothing else for 3 s — the machine's own floor under any lag figure.
 *
 * The fake runtime runs in a child process (`--fake-servers` N > 1: a cluster of N, the kernel
 * spreading connections) so it never shares this event loop; its CPU share is printed next to ours
 * (`…_fake_cpu`): near 1.0 per process it, not the load generator, would be the limit. On a 2-core
 * machine the two processes have a core each. Every figure is wall-clock: on a shared machine the
 * `load1` lines tell how busy it was; rerun before believing a change under ~20 %.
 *
 * Goals: ≥ 10,000 concurrent sessions with lag p99 < 5 ms; ≥ 5,000 raw turns/s. Output: one
 * `key value` line per figure, then `goal_…` lines; `--check` sets exit code 99 when a goal is missed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { newHistogram, recordMs, summarise } from '../src/core/metrics/histogram.js';
import { replay } from '../src/loadtest/replay.js';
import type { TurnResult } from '../src/loadtest/measure.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/schema.js';
import { parseDuration } from '../src/scenario/units.js';

const GOAL_SESSIONS = 10_000;
const GOAL_TURNS_PER_S = 5_000;
const LAG_LIMIT_MS = 5;

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000,2000,5000,10000,20000' },
    think: { type: 'string', default: '10s' },
    turns: { type: 'string', default: '3' },
    'raw-sessions': { type: 'string', default: '256' },
    'raw-turns': { type: 'string', default: '40000' },
    'fake-servers': { type: 'string', default: '1' },
    'no-concurrency': { type: 'boolean', default: false },
    'no-raw': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    // Internal: run as the fake runtime.
    fake: { type: 'boolean', default: false },
  },
});

// ---- the fake runtime (child process) -----------------------------------------------------------

/** What the runtime answers for a completed turn, trimmed to what replay() reads. */
const TURN_OK = Buffer.from(JSON.stringify({ sessionId: '1', turn: 1, status: 'ok', charges: [], costNanos: 0, timings: { totalMs: 0, queueWaitMs: 0, limiterWaitMs: 0, providerMs: 0, toolMs: 0, retryWaitMs: 0 }, attempts: 1, retries: 0, fallbacks: 0 }));
const TURN_PATH = /^\/v1\/sessions\/[A-Za-z0-9_.:-]{1,128}\/turns$/;

function fakeRuntime(onListening: (port: number) => void): void {
  const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const ok = req.method === 'POST' && TURN_PATH.test(req.url ?? '');
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json', 'content-length': ok ? TURN_OK.length : 2 });
      res.end(ok ? TURN_OK : '{}');
    });
  });
  server.listen(0, '127.0.0.1', () => onListening((server.address() as { port: number }).port));
}

function cpuReport(): { cpuUs: number; atMs: number } {
  const c = process.cpuUsage();
  return { cpuUs: c.user + c.system, atMs: performance.now() };
}

async function runFake(servers: number): Promise<void> {
  if (servers <= 1) {
    fakeRuntime((port) => process.send!({ port }));
    process.on('message', (m) => m === 'cpu' && process.send!({ cpu: [cpuReport()] }));
    return;
  }
  // A cluster on one port; SCHED_NONE: the kernel hands connections out, the primary stays idle.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: process.argv[1]!, args: ['--fake'], execArgv: process.execArgv });
  // Every worker listens on port 0: the primary opens one handle for that key, so all share its port.
  const workers = Array.from({ length: servers }, () => cluster.fork());
  const ports = await Promise.all(workers.map((w) => new Promise<number>((resolve) => w.once('message', (m: { port: number }) => resolve(m.port)))));
  if (new Set(ports).size !== 1) throw new Error(`fake runtime workers listen on different ports: ${ports.join(', ')}`);
  const port = ports[0]!;
  process.on('message', async (m) => {
    if (m !== 'cpu') return;
    const each = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ cpuUs: number; atMs: number }>((resolve) => {
            w.once('message', (x: { cpuUs: number; atMs: number }) => resolve(x));
            w.send('cpu');
          }),
      ),
    );
    process.send!({ cpu: each });
  });
  process.send!({ port });
}

// ---- the bench -----------------------------------------------------------------------------------

interface Fake {
  proc: ChildProcess;
  url: string;
  cpu(): Promise<{ cpuUs: number; atMs: number }[]>;
}

async function startFake(servers: number): Promise<Fake> {
  const proc = fork(process.argv[1]!, ['--fake', '--fake-servers', String(servers)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m) => resolve((m as { port: number }).port));
    proc.once('exit', (code) => reject(new Error(`fake runtime exited with ${code}`)));
  });
  const cpu = () =>
    new Promise<{ cpuUs: number; atMs: number }[]>((resolve) => {
      proc.once('message', (m) => resolve((m as { cpu: { cpuUs: number; atMs: number }[] }).cpu));
      proc.send('cpu');
    });
  return { proc, url: `http://127.0.0.1:${port}`, cpu };
}

function scenario(o: { sessions: number; turns: number; thinkMs: number; arrivalsPerS: number }): Scenario {
  const yaml = `
name: bench-loadgen
duration: 24h
warmup: 0
users: { dailyActive: ${o.sessions}, concurrencyRatio: 100%, arrivalRate: ${o.arrivalsPerS}/s }
conversation: { turns: ${o.turns}, thinkTime: ${o.thinkMs}ms, tokens: { systemPrompt: 0, userMessage: 50, output: 50 } }
models:
  m: { id: claude-bench, price: { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 0, outputRate: 1000000/s } }
cache: false
`;
  const r = parseScenario(yaml, 'bench-loadgen.yaml');
  if (!r.scenario) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.scenario;
}

interface Run {
  turns: number;
  errors: number;
  wallMs: number;
  turnsPerS: number;
  lag: ReturnType<typeof summarise>;
  late: number;
  activeMax: number;
  cpu: number;
  cpuUsPerTurn: number;
  fakeCpu: number[];
  rssMb: number;
}

/** Replays `s` against the fake runtime and measures the generator (lag, rate, CPU, memory). */
async function measure(fake: Fake, s: Scenario, sessions: number, connections: number): Promise<Run> {
  const lag = newHistogram();
  let late = 0;
  let errors = 0;
  let turns = 0;
  let rss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => (rss = Math.max(rss, process.memoryUsage.rss())), 500);
  const onTurn = (r: TurnResult) => {
    turns++;
    if (r.httpStatus !== 200 || r.status !== 'ok') errors++;
    const lagMs = r.sentAtMs - r.intendedAtMs; // time scale 1: scenario ms are real ms
    recordMs(lag, lagMs);
    if (lagMs >= LAG_LIMIT_MS) late++;
  };
  const fake0 = await fake.cpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await replay(s, { target: fake.url, timeScale: 1, seed: 1, maxSessions: sessions, connections, onTurn, lagThresholdMs: LAG_LIMIT_MS });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const fake1 = await fake.cpu();
  clearInterval(rssTimer);
  rss = Math.max(rss, process.memoryUsage.rss());
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    turns,
    errors,
    wallMs,
    turnsPerS: (turns / wallMs) * 1000,
    lag: summarise(lag),
    late,
    activeMax: result.measurements.activeSessions.max,
    cpu: cpuMs / wallMs,
    cpuUsPerTurn: turns === 0 ? 0 : (cpuMs * 1000) / turns,
    fakeCpu: fake1.map((f, i) => (f.cpuUs - fake0[i]!.cpuUs) / 1000 / (f.atMs - fake0[i]!.atMs)),
    rssMb: rss / 1048576,
  };
}

/**
 * What the machine alone does to timers: an otherwise idle loop of 2 ms timeouts for `ms`, and how
 * late each fired. A lag p99 near this floor is the machine's, not the load generator's.
 */
async function timerBaseline(ms: number): Promise<ReturnType<typeof summarise>> {
  const h = newHistogram();
  const endAt = performance.now() + ms;
  await new Promise<void>((done) => {
    const tick = () => {
      const due = performance.now() + 2;
      setTimeout(() => {
        recordMs(h, performance.now() - due);
        if (performance.now() < endAt) tick();
        else done();
      }, 2);
    };
    tick();
  });
  return summarise(h);
}

const out = (key: string, value: string | number) => console.log(`${key} ${typeof value === 'number' ? +value.toFixed(3) : value}`);
const load1 = () => loadavg()[0]!.toFixed(2);

function print(prefix: string, r: Run): void {
  out(`${prefix}_turns`, r.turns);
  out(`${prefix}_errors`, r.errors);
  out(`${prefix}_wall_s`, r.wallMs / 1000);
  out(`${prefix}_turns_per_s`, Math.round(r.turnsPerS));
  out(`${prefix}_active_sessions_max`, r.activeMax);
  out(`${prefix}_lag_p50_ms`, r.lag.p50);
  out(`${prefix}_lag_p99_ms`, r.lag.p99);
  out(`${prefix}_lag_max_ms`, r.lag.max);
  out(`${prefix}_late_${LAG_LIMIT_MS}ms`, r.late);
  out(`${prefix}_cpu`, r.cpu);
  out(`${prefix}_cpu_us_per_turn`, Math.round(r.cpuUsPerTurn));
  out(`${prefix}_fake_cpu`, r.fakeCpu.map((c) => c.toFixed(2)).join(' '));
  out(`${prefix}_peak_rss_mb`, Math.round(r.rssMb));
}

function ms(s: string): number {
  const p = parseDuration(s);
  if (!p.ok) throw new Error(`expected ${p.expected}, found ${s}`);
  return p.value;
}

async function main(): Promise<void> {
  const servers = Number(args['fake-servers']);
  out('machine', `cpus=${cpus().length} node=${process.version} load1=${load1()}`);
  out('setup', `fake_runtime=child-process servers=${servers} think=${args.think} turns=${args.turns} time_scale=1`);
  const fake = await startFake(servers);
  let best = 0;
  let rawTurnsPerS: number | undefined;
  try {
    // Warm-up, discarded: JIT, the connection pool and the fake runtime (about a second).
    await measure(fake, scenario({ sessions: 500, turns: 2, thinkMs: 200, arrivalsPerS: 2500 }), 500, 128);
    const floor = await timerBaseline(3_000);
    out('baseline_timer_lag_p50_ms', floor.p50);
    out('baseline_timer_lag_p99_ms', floor.p99);
    out('baseline_timer_lag_max_ms', floor.max);
    if (!args['no-concurrency']) {
      const thinkMs = ms(args.think);
      const turns = Number(args.turns);
      for (const n of args.steps.split(',').map(Number)) {
        const s = scenario({ sessions: n, turns, thinkMs, arrivalsPerS: n / (thinkMs / 1000) });
        const r = await measure(fake, s, n, 128);
        print(`sessions_${n}`, r);
        const ok = r.lag.p99 < LAG_LIMIT_MS && r.errors === 0 && r.activeMax >= n * 0.95;
        if (!ok) break;
        best = n;
      }
      out('sessions_max_with_lag_p99_under_5ms', best);
    }
    if (!args['no-raw']) {
      const sessions = Number(args['raw-sessions']);
      const turns = Math.ceil(Number(args['raw-turns']) / sessions);
      // All sessions arrive within about a millisecond; think time 0: each is a closed loop.
      const s = scenario({ sessions, turns, thinkMs: 0, arrivalsPerS: sessions * 1000 });
      const r = await measure(fake, s, sessions, sessions);
      print('raw', r);
      rawTurnsPerS = r.turnsPerS;
    }
  } finally {
    fake.proc.disconnect();
  }
  out('load1_end', load1());
  const okSessions = best >= GOAL_SESSIONS;
  const okRaw = rawTurnsPerS !== undefined && rawTurnsPerS >= GOAL_TURNS_PER_S;
  if (!args['no-concurrency']) out('goal_sessions', `${okSessions ? 'pass' : 'MISS'} (≥ ${GOAL_SESSIONS} concurrent sessions with lag p99 < ${LAG_LIMIT_MS} ms)`);
  if (!args['no-raw']) out('goal_turns_per_s', `${okRaw ? 'pass' : 'MISS'} (≥ ${GOAL_TURNS_PER_S} raw turns/s)`);
  if (args.check && ((!args['no-concurrency'] && !okSessions) || (!args['no-raw'] && !okRaw))) process.exitCode = 99;
}

// ---- entry: the fake runtime (or one of its cluster workers), or the bench ---------------------------

if (cluster.isWorker) {
  fakeRuntime((port) => process.send!({ port }));
  process.on('message', (m) => m === 'cpu' && process.send!(cpuReport()));
} else if (args.fake) {
  await runFake(Number(args['fake-servers']));
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}
