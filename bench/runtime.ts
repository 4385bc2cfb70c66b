/**
 * The runtime's own overhead on loopback, measured with autocannon (through `runRaw`, the engine of
 * `headroom loadtest raw`), all in one run:
 *
 *   hello          (a) bare Fastify, `GET /` → {"hello":"world"}: the floor a Fastify gateway stands on
 *   hello_post     bare Fastify, `POST /v1/messages` with the same JSON body as below → a constant
 *                  small JSON: what body parsing alone costs (informative, no goal)
 *   runtime_cache  (b) the runtime (`buildApp`, memory state, the scenario's default 4 × 10 slots),
 *                  `POST /v1/messages` with one identical body after one warm-up request: every
 *                  request is a response-cache hit. This is the true cache-hit path: the pass-through
 *                  looks the cache up *before* taking a worker slot, so a hit touches no slot, limiter
 *                  or provider (checked before measuring: the warm-up answers `x-headroom-cache: miss`,
 *                  the next request `hit`). Turn 1 of fresh sessions would hit the same cache but also
 *                  lock, load and save a session per request, and needs a new path per request.
 *   runtime_mock   (c) the runtime with the response cache off and 16 × 64 slots, every request going
 *                  slot → limiter → provider adapter (@anthropic-ai/sdk, streaming) → the mock
 *                  provider at zero latency (ttft 0, 1,000,000 tokens/s, 16 output tokens, no limits,
 *                  one attempt, no breaker) and back: the whole pipeline with a provider that costs
 *                  nothing
 *
 *   npx tsx bench/runtime.ts [--duration 5s] [--warmup 2s] [--connections 50] [--rate 1000]
 *                            [--rate-connections 10] [--rounds 3] [--no-mock] [--check]
 *
 * Processes: every server runs in a child process of its own (this file re-run with `--serve`), and
 * autocannon on this process's main thread — so on a 2-core machine the server has one core and the
 * load generator the other instead of sharing one event loop (runtime_mock: the runtime and the mock
 * provider are two children, three busy processes on two cores). Main thread rather than
 * autocannon's worker mode because only the main thread sees each response's time in float ms,
 * which `runRaw` records at µs resolution (autocannon's own histogram has whole ms).
 *
 * Per target: a warm-up run (discarded; JIT), then a maximum-throughput run over `--connections`:
 * `<t>_rps`, `<t>_p50_ms`, `<t>_p99_ms`; `<t>_server_cpu` is each server process's CPU time ÷ wall
 * time (1.0 = one core busy: the server is the bottleneck; well below, the load generator or a busy
 * machine is) and `<t>_server_cpu_us_per_req` its CPU per request, a figure that a loaded machine
 * disturbs less than requests/s; `overhead_cpu_ratio` (hello's CPU per request ÷ the runtime's) is
 * what the requests/s ratio would be with both CPU-bound.
 * Then `--rounds` fixed-rate runs (`--rate` requests/s over `--rate-connections` connections),
 * hello and runtime_cache interleaved so that a change in machine load hits both; figures are
 * medians over the rounds, and the added p99 is the median of the per-round differences. autocannon
 * paces a rate per connection per second — each connection sends its share back to back, then waits
 * for the next second — so a rate run is bursts of `--rate-connections` concurrent requests.
 *
 * Goals (issue "Live runtime", item 7): runtime_cache requests/s ≥ 50 % of hello's
 * (`overhead_rps_ratio`); added p99 at the fixed rate ≤ 2 ms (`overhead_added_p99_ms_at_rate`).
 * Output: one `key value` line per figure, then `goal_…` lines; `--check` sets exit code 99 when a
 * goal is missed. `load1` (the 1-minute load average) is printed first and last: on a shared machine
 * the figures move with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { runRaw, type RawReport } from '../src/loadtest/raw.js';
import { buildApp } from '../src/runtime/app.js';
import { startMockProvider } from '../src/runtime/mock-provider/server.js';
import { AnthropicProvider } from '../src/runtime/providers/anthropic.js';
import { MemoryTextStore } from '../src/runtime/providers/text-store.js';
import { createRuntime } from '../src/runtime/runtime.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/schema.js';
import { parseDuration } from '../src/scenario/units.js';

const GOAL_RPS_RATIO = 0.5;
const GOAL_ADDED_P99_MS = 2;

const SCENARIO = `
name: bench-runtime
users: { dailyActive: 1000, concurrencyRatio: 10% }
conversation: { tokens: { systemPrompt: 0, output: 16 } }
models:
  fast: { id: claude-bench-fast, price: { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 0, outputRate: 1000000/s } }
queue: { depth: 100000, timeout: 30s }
retry: { maxAttempts: 1 }
breaker: false
cache: { ttl: 1h }
`;
/** runtime_mock: enough slots that 50 connections never queue, and every request a cache miss. */
const MOCK_OVERRIDES = ['workers={ count: 16, concurrency: 64 }', 'cache=false'];
const BODY = JSON.stringify({ model: 'fast', max_tokens: 16, messages: [{ role: 'user', content: 'where is my order?' }] });
const JSON_HEADERS = { 'content-type': 'application/json' };

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5s' },
    warmup: { type: 'string', default: '2s' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string', default: '1000' },
    'rate-connections': { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'no-mock': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    // Internal: run as a server child.
    serve: { type: 'string' },
    'mock-url': { type: 'string' },
  },
});

function scenario(overrides: string[] = []): Scenario {
  const r = parseScenario(SCENARIO, 'bench-runtime.yaml', { overrides });
  if (!r.scenario) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.scenario;
}

// ---- server children ----------------------------------------------------------------------------

async function runtimeApp(s: Scenario, providerUrl: string): Promise<string> {
  const texts = new MemoryTextStore();
  const provider = new AnthropicProvider({ baseURL: providerUrl, models: s.models, texts, mock: true });
  const { app } = await buildApp(createRuntime({ scenario: s, provider, texts }));
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function serve(kind: string): Promise<string> {
  switch (kind) {
    case 'hello': {
      const app = Fastify();
      app.get('/', async () => ({ hello: 'world' }));
      app.post('/v1/messages', async () => ({ hello: 'world' }));
      return app.listen({ port: 0, host: '127.0.0.1' });
    }
    case 'mock':
      return (await startMockProvider({ scenario: scenario() })).url;
    case 'runtime-cache':
      // The mock only answers the warm-up: it may share this process.
      return runtimeApp(scenario(), (await startMockProvider({ scenario: scenario() })).url);
    case 'runtime-mock':
      return runtimeApp(scenario(MOCK_OVERRIDES), args['mock-url']!);
    default:
      throw new Error(`unknown server ${kind}`);
  }
}

// ---- the bench ----------------------------------------------------------------------------------

interface Child {
  proc: ChildProcess;
  url: string;
  /** CPU µs and time so far, for a CPU share over a window. */
  cpu(): Promise<{ cpuUs: number; atMs: number }>;
}

async function startChild(kind: string, extra: string[] = []): Promise<Child> {
  const proc = fork(process.argv[1]!, ['--serve', kind, ...extra], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('message', (m) => resolve((m as { url: string }).url));
    proc.once('exit', (code) => reject(new Error(`server ${kind} exited with ${code} before listening`)));
  });
  const cpu = () =>
    new Promise<{ cpuUs: number; atMs: number }>((resolve) => {
      proc.once('message', (m) => resolve(m as { cpuUs: number; atMs: number }));
      proc.send('cpu');
    });
  return { proc, url, cpu };
}

async function stopChild(c: Child): Promise<void> {
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.disconnect();
  await exited;
}

function ms(s: string): number {
  const p = parseDuration(s);
  if (!p.ok) throw new Error(`expected ${p.expected}, found ${s}`);
  return p.value;
}

const out = (key: string, value: string | number) => console.log(`${key} ${typeof value === 'number' ? +value.toFixed(3) : value}`);
const load1 = () => loadavg()[0]!.toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Target {
  name: string;
  /** The server's processes (CPU is measured on each); the last one is the one requested. */
  servers: Child[];
  path: string;
  method: string;
  body?: string;
}

const request = (t: Target) => ({ origin: t.servers[t.servers.length - 1]!.url, path: t.path, method: t.method, ...(t.body ? { headers: JSON_HEADERS, body: t.body } : {}) });

function warn(t: Target, r: RawReport): RawReport {
  if (r.errors.total > 0) console.error(`${t.name}: ${r.answer}`);
  return r;
}

/** Warm-up (discarded), then as fast as it answers over `--connections`; prints the figures. */
async function maxRun(t: Target): Promise<{ report: RawReport; cpuUsPerRequest: number }> {
  const connections = Number(args.connections);
  await runRaw({ ...request(t), connections, durationMs: ms(args.warmup) });
  const before = await Promise.all(t.servers.map((s) => s.cpu()));
  const lg0 = process.cpuUsage();
  const t0 = performance.now();
  const report = warn(t, await runRaw({ ...request(t), connections, durationMs: ms(args.duration) }));
  const wall = performance.now() - t0;
  const lg = process.cpuUsage(lg0);
  const after = await Promise.all(t.servers.map((s) => s.cpu()));
  const cpuMs = t.servers.map((_, i) => (after[i]!.cpuUs - before[i]!.cpuUs) / 1000);
  const share = t.servers.map((_, i) => cpuMs[i]! / (after[i]!.atMs - before[i]!.atMs));
  const cpuUsPerRequest = (cpuMs.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, report.requests.completed);
  out(`${t.name}_rps`, Math.round(report.requests.perS));
  out(`${t.name}_p50_ms`, report.latency.p50);
  out(`${t.name}_p99_ms`, report.latency.p99);
  out(`${t.name}_errors`, report.errors.total);
  out(`${t.name}_server_cpu`, share.map((c) => c.toFixed(2)).join(' '));
  out(`${t.name}_server_cpu_us_per_req`, Math.round(cpuUsPerRequest));
  out(`${t.name}_loadgen_cpu`, (lg.user + lg.system) / 1000 / wall);
  return { report, cpuUsPerRequest };
}

/** `--rounds` fixed-rate runs of each target, interleaved so that a change in machine load hits all alike. */
async function rateRuns(targets: Target[]): Promise<Map<string, RawReport[]>> {
  const runs = new Map<string, RawReport[]>(targets.map((t) => [t.name, []]));
  for (let i = 0; i < Number(args.rounds); i++) {
    for (const t of targets) runs.get(t.name)!.push(warn(t, await runRaw({ ...request(t), connections: Number(args['rate-connections']), durationMs: ms(args.duration), rate: Number(args.rate) })));
  }
  for (const [name, rs] of runs) {
    out(`${name}_at_rate_rps`, Math.round(median(rs.map((r) => r.requests.perS))));
    out(`${name}_at_rate_p50_ms`, median(rs.map((r) => r.latency.p50)));
    out(`${name}_at_rate_p99_ms`, median(rs.map((r) => r.latency.p99)));
    out(`${name}_at_rate_p99_ms_rounds`, rs.map((r) => r.latency.p99).join(' '));
    out(`${name}_at_rate_errors`, rs.reduce((a, r) => a + r.errors.total, 0));
  }
  return runs;
}

async function check(url: string, expectCache: string[]): Promise<void> {
  for (const want of expectCache) {
    const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: JSON_HEADERS, body: BODY });
    const got = res.headers.get('x-headroom-cache');
    await res.arrayBuffer();
    if (res.status !== 200 || got !== want) throw new Error(`expected 200 with x-headroom-cache ${want}, got ${res.status} ${got}`);
  }
}

async function main(): Promise<void> {
  out('machine', `cpus=${cpus().length} node=${process.version} load1=${load1()}`);
  out('setup', `servers=child-processes loadgen=autocannon-main-thread connections=${args.connections} duration=${args.duration} warmup=${args.warmup} rate=${args.rate}/s rate_connections=${args['rate-connections']} rounds=${args.rounds}`);

  const hello = await startChild('hello');
  const cached = await startChild('runtime-cache');
  await check(cached.url, ['miss', 'hit']);
  const a: Target = { name: 'hello', servers: [hello], path: '/', method: 'GET' };
  const aPost: Target = { name: 'hello_post', servers: [hello], path: '/v1/messages', method: 'POST', body: BODY };
  const b: Target = { name: 'runtime_cache', servers: [cached], path: '/v1/messages', method: 'POST', body: BODY };
  const maxA = await maxRun(a);
  const maxAPost = await maxRun(aPost);
  const maxB = await maxRun(b);
  const rate = await rateRuns([a, b]);
  await stopChild(cached);
  await stopChild(hello);

  if (!args['no-mock']) {
    const mock = await startChild('mock');
    const rt = await startChild('runtime-mock', ['--mock-url', mock.url]);
    await check(rt.url, ['miss', 'miss']);
    // server_cpu lists the mock provider, then the runtime; cpu_us_per_req is both together.
    const c: Target = { name: 'runtime_mock', servers: [mock, rt], path: '/v1/messages', method: 'POST', body: BODY };
    await maxRun(c);
    await rateRuns([c]);
    await stopChild(rt);
    await stopChild(mock);
  }

  const ratio = maxB.report.requests.perS / maxA.report.requests.perS;
  const ra = rate.get('hello')!;
  const rb = rate.get('runtime_cache')!;
  const addedP99 = median(rb.map((r, i) => r.latency.p99 - ra[i]!.latency.p99));
  out('overhead_rps_ratio', ratio);
  out('overhead_rps_ratio_vs_post', maxB.report.requests.perS / maxAPost.report.requests.perS);
  out('overhead_cpu_ratio', maxA.cpuUsPerRequest / maxB.cpuUsPerRequest);
  out('overhead_added_p50_ms_at_rate', median(rb.map((r, i) => r.latency.p50 - ra[i]!.latency.p50)));
  out('overhead_added_p99_ms_at_rate', addedP99);
  out('load1_end', load1());
  const okRatio = ratio >= GOAL_RPS_RATIO;
  const okP99 = addedP99 <= GOAL_ADDED_P99_MS;
  out('goal_rps_ratio', `${okRatio ? 'pass' : 'MISS'} (runtime_cache ≥ ${GOAL_RPS_RATIO * 100} % of hello requests/s)`);
  out('goal_added_p99_ms', `${okP99 ? 'pass' : 'MISS'} (≤ ${GOAL_ADDED_P99_MS} ms at ${args.rate} requests/s)`);
  if (args.check && !(okRatio && okP99)) process.exitCode = 99;
}

// ---- entry: a server child, or the bench ---------------------------------------------------------

if (args.serve) {
  const url = await serve(args.serve);
  process.on('message', (m) => {
    if (m === 'cpu') {
      const c = process.cpuUsage();
      process.send!({ cpuUs: c.user + c.system, atMs: performance.now() });
    }
  });
  process.send!({ url });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}
