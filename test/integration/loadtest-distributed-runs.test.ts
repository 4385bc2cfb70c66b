/**
 * Distributed load tests that share one Redis: a coordinator waiting for agents run elsewhere next to
 * one that spawns its own, and a coordinator that died after posting its run. Each run must be replayed by its own agents, aligned on its own start instant,
 * and merged from its own results — the report of each equal to its own simulation on the cohort.
 *
 * Before, every run went through one list (`hr:lt:jobs`) that any agent took from: a coordinator's
 * spawned agents took another run's entries (and the first coordinator to finish SIGTERMed its agents,
 * killing the other run's half: "only 1 of 2 agents reported within 90 s", 4 times in 4), and a dead
 * coordinator's entries stayed there for the next run's agents, which replayed the dead run late while
 * their own waited ("only 0 of 2 agents reported within 60 s", and its entries left for the next one).
 *
 * The runs here use a Redis database of their own (/15): the old fixed key could not be isolated by a
 * prefix, and a killed coordinator leaves entries behind that must not reach other suites' runs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Pricing } from '../../src/core/pricing.js';
import type { Report } from '../../src/core/metrics/report.js';
import { loadScenario } from '../../src/scenario/load.js';
import { buildReport } from '../../src/sim/build-report.js';
import { simulate } from '../../src/sim/simulate.js';
import { CLI_COMMAND } from '../helpers/processes.js';
import { deleteKeys } from '../helpers/redis.js';
import { spawnHeadroom, startRuntime, turnsServed, waitFor, type HeadroomProcess, type RuntimeHarness } from '../helpers/runtime.js';

const REDIS_DB = 'redis://127.0.0.1:6379/15';
const K = 20;
const SCENARIO = 'scenarios/support-agent.yaml';
const OVERRIDES = ['warmup=10s', 'workers.count=6', 'users.dailyActive=1500', 'conversation.thinkTime=10s'];
const base = [...OVERRIDES.flatMap((o) => ['--set', o]), '--time-scale', String(K), '--max-late-share', '1', '--redis', REDIS_DB];
const env = { HEADROOM_AGENT_CMD: JSON.stringify(CLI_COMMAND) };

const redis = new Redis(REDIS_DB, { lazyConnect: true, maxRetriesPerRequest: 1 });
beforeAll(() => redis.connect());
afterAll(async () => {
  await deleteKeys(redis, 'hr:lt:*');
  await redis.quit();
});
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function runtime(): Promise<RuntimeHarness> {
  const rt = await startRuntime({ yaml: await readFile(SCENARIO, 'utf8'), timeScale: K });
  cleanups.push(() => rt.close());
  return rt;
}

function coordinator(args: string[]): HeadroomProcess {
  const p = spawnHeadroom(['loadtest', SCENARIO, ...base, ...args], env);
  cleanups.push(() => p.kill());
  return p;
}

/** The exit code, and the report on stdout, which must equal the simulation of the same run on the cohort. */
async function expectOwnRun(p: HeadroomProcess, duration: string, timeoutMs: number): Promise<Report> {
  const code = await p.exited(timeoutMs);
  expect(p.stderr()).not.toMatch(/\n\s+at /);
  expect([0, 99], p.stderr()).toContain(code);
  const live = JSON.parse(p.stdout()) as Report;
  const s = await loadScenario(SCENARIO, { overrides: [...OVERRIDES, `duration=${duration}`] });
  expect(live.cohort.sessions).toBeGreaterThan(5);
  expect(live.cohort).toEqual(buildReport(simulate(s), new Pricing(s)).cohort);
  return live;
}

describe('distributed runs sharing one Redis', () => {
  it("the agents a coordinator spawns replay its run, not another coordinator's run that waits for agents", async () => {
    const rt = await runtime();
    // A run for agents elsewhere (none come), posted first.
    const waiting = coordinator(['--target', rt.url, '--duration', '1m', '--agents', '2', '--external-agents']);
    await waiting.waitForOutput(/replaying/);
    await new Promise((r) => setTimeout(r, 1500));
    const own = coordinator(['--target', rt.url, '--duration', '1m', '--agents', '2', '--json']);
    await expectOwnRun(own, '1m', 30_000);
  }, 60_000);

  it("a coordinator that died after posting its run does not hold up the next run's agents", async () => {
    const rt = await runtime();
    const dead = coordinator(['--target', rt.url, '--duration', '1m', '--agents', '2', '--external-agents']);
    await dead.waitForOutput(/replaying/);
    await new Promise((r) => setTimeout(r, 1500));
    dead.kill();
    const next = coordinator(['--target', rt.url, '--duration', '1m', '--agents', '2', '--json']);
    await expectOwnRun(next, '1m', 30_000);
  }, 60_000);

  it('agents of a named pool take the runs offered to it (--external-agents --pool)', async () => {
    const rt = await runtime();
    const pool = `test-${randomUUID().slice(0, 8)}`;
    // An entry of a run whose coordinator is gone: skipped, it does not use up a --once agent.
    await redis.rpush(`hr:lt:pool:${pool}`, randomUUID());
    const agents = [0, 1].map(() => spawnHeadroom(['loadtest', 'agent', '--redis', REDIS_DB, '--pool', pool, '--once']));
    for (const a of agents) cleanups.push(() => a.kill());
    const p = coordinator(['--target', rt.url, '--duration', '1m', '--agents', '2', '--external-agents', '--pool', pool, '--json']);
    await expectOwnRun(p, '1m', 30_000);
    for (const a of agents) expect(await a.exited(10_000)).toBe(0);
    expect(agents.map((a) => a.stderr()).join('')).toMatch(/run [0-9a-f-]+: gone .*: skipped/);
    expect(await redis.llen(`hr:lt:pool:${pool}`)).toBe(0);
  }, 60_000);

  it('agents that do not come: exit 1 after --agents-timeout naming the pool, and nothing of the run is left in Redis', async () => {
    const pool = `test-${randomUUID().slice(0, 8)}`;
    const started = performance.now();
    const p = coordinator(['--target', 'http://127.0.0.1:9', '--duration', '1m', '--agents', '2', '--external-agents', '--pool', pool, '--agents-timeout', '2s']);
    expect(await p.exited(20_000)).toBe(1);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(p.stderr()).toMatch(/only 0 of 2 agents took run [0-9a-f-]+ within 2s \(--agents-timeout\); nothing was sent/);
    expect(p.stderr()).toContain(`headroom loadtest agent --redis URL --pool ${pool}`);
    expect(p.stderr()).not.toMatch(/\n\s+at /);
    const runId = /took run ([0-9a-f-]+)/.exec(p.stderr())![1]!;
    // The run's entries are off the pool's list: an agent that comes later takes nothing stale.
    expect(await redis.llen(`hr:lt:pool:${pool}`)).toBe(0);
    expect(await redis.exists(`hr:lt:run:${runId}:job`)).toBe(0);
  }, 30_000);
});

async function answeredByRuntime(rt: RuntimeHarness): Promise<number> {
  const text = await (await fetch(`${rt.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('headroom_turns_total{') && /status="(ok|cache-hit)"/.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('a distributed run interrupted (Ctrl-C)', () => {
  // Ten scenario minutes at 20×: 30 s of arrivals, interrupted about 4 s after the start.
  it.each([
    ['the coordinator alone (kill -INT, a CI runner)', false],
    ['the whole process group (Ctrl-C at a terminal)', true],
  ])('%s: the agents stop, what they measured is merged and written, exit 130', async (_what, group) => {
    const rt = await runtime();
    const dir = await mkdtemp(join(tmpdir(), 'headroom-lt-int-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'r.json');
    const p = spawnHeadroom(['loadtest', SCENARIO, ...base, '--target', rt.url, '--duration', '10m', '--agents', '2', '--out', out], env, { ownGroup: true });
    cleanups.push(() => p.kill());
    await p.waitForOutput(/replaying/);
    // Agents up (about 2 s with tsx), the start instant 1 s later, then some load.
    await waitFor(async () => ((await turnsServed(rt)) > 50 ? true : undefined), 'turns served', 20_000);
    await new Promise((r) => setTimeout(r, 2000));
    if (group) p.signalGroup('SIGINT');
    else p.child.kill('SIGINT');
    const stoppedAt = performance.now();
    const code = await p.exited(20_000);
    expect(performance.now() - stoppedAt).toBeLessThan(12_000);
    expect(p.stderr()).toContain('interrupted');
    expect(p.stderr()).not.toContain('did not report');
    expect(p.stderr()).not.toMatch(/\n\s+at /);
    expect(code).toBe(130);
    expect(p.stdout()).toContain('LATENCY');
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;
    expect(report.answer).toMatch(/^Interrupted/);
    expect(report.turns.arrived).toBeGreaterThan(10);
    expect(report.turns.failed).toBe(0); // turns abandoned in flight are not failures
    // Both agents' measurements: most of the turns the runtime answered (one agent's half would be under 60 %).
    expect(report.turns.completed + report.turns.cacheHits).toBeGreaterThan(0.6 * (await answeredByRuntime(rt)));
    // And no agent goes on loading the target.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await turnsServed(rt);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await turnsServed(rt)).toBe(after);
  }, 60_000);
});

