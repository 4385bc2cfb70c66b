/**
 * A distributed load test whose agent dies mid-run (SIGKILL: no result, no goodbye). Real processes —
 * a coordinator and two `loadtest agent --pool` processes — and the real Redis, in a database of its own
 * (/14): the distributed-runs suite deletes every `hr:lt:*` key of /15 when it ends, which another
 * checkout running it meanwhile would do to this run's heartbeats. It deletes only its own pool and run.
 *
 * Agents keep a heartbeat key alive in Redis while they run; the coordinator watches it while it waits
 * for results, so a dead agent is reported within seconds — naming the agent and what it had done — the
 * other agent is stopped and its measurements merged into a report marked incomplete, and the run exits
 * 1 as other runs that cannot be trusted do. Before, the coordinator noticed only when its wait for
 * results ran out (start + window + drain + 30 s: about two minutes here), with no report at all.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/core/metrics/report.js';
import { scanKeys } from '../helpers/redis.js';
import { spawnHeadroom, startRuntime, turnsServed, waitFor, type HeadroomProcess } from '../helpers/runtime.js';

const REDIS_DB = 'redis://127.0.0.1:6379/14';
const K = 20;
const SCENARIO = 'scenarios/support-agent.yaml';
const OVERRIDES = ['warmup=10s', 'workers.count=6', 'users.dailyActive=1500', 'conversation.thinkTime=10s'];

const redis = new Redis(REDIS_DB, { lazyConnect: true, maxRetriesPerRequest: 1 });
beforeAll(() => redis.connect());
afterAll(() => redis.quit());
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function spawn(args: string[]): HeadroomProcess {
  const p = spawnHeadroom(args);
  cleanups.push(() => p.kill());
  return p;
}

describe('a distributed run whose agent dies', () => {
  it('is reported within seconds, naming the agent and what it had done; the other agent is merged into a report marked incomplete; exit 1', async () => {
    const rt = await startRuntime({ yaml: await readFile(SCENARIO, 'utf8'), timeScale: K });
    cleanups.push(() => rt.close());
    const dir = await mkdtemp(join(tmpdir(), 'headroom-lt-dead-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'r.json');
    const pool = `test-${randomUUID().slice(0, 8)}`;
    cleanups.push(async () => void (await redis.del(`hr:lt:pool:${pool}`)));

    const agents = [0, 1].map(() => spawn(['loadtest', 'agent', '--redis', REDIS_DB, '--pool', pool, '--once']));
    // Ten scenario minutes at 20×: 30 s of arrivals, then up to a minute of drain.
    const coordinator = spawn([
      'loadtest', SCENARIO, ...OVERRIDES.flatMap((o) => ['--set', o]), '--time-scale', String(K), '--max-late-share', '1', '--redis', REDIS_DB,
      '--target', rt.url, '--duration', '10m', '--agents', '2', '--external-agents', '--pool', pool, '--out', out,
    ]);
    await waitFor(async () => ((await turnsServed(rt)) > 40 ? true : undefined), 'turns served', 30_000, 100);

    const victim = agents[1]!;
    const victimPid = victim.child.pid!;
    victim.child.kill('SIGKILL');
    const killedAt = performance.now();
    const code = await coordinator.exited(40_000);
    const tookMs = performance.now() - killedAt;

    const err = coordinator.stderr();
    expect(err).not.toMatch(/\n\s+at /);
    expect(code, err).toBe(1);
    // Promptly: the heartbeat's expiry and the other agent's report, not the results wait (≈ 2 min).
    expect(tookMs, err).toBeLessThan(20_000);
    // Named, with what it had done, at once and again with the verdict.
    expect(err).toMatch(new RegExp(`error: load-test agent [12]/2 \\(pid ${victimPid} on [^)]+\\) of run [0-9a-f-]{36} stopped: no heartbeat for 5s; by its last heartbeat it had started \\d+ conversations? and sent \\d+ turns? \\(\\d+ answered\\)`));
    expect(err).toMatch(/error: the run is incomplete: load-test agent [12]\/2 .*died/);

    // The survivor was stopped, reported, and its measurements are the report.
    expect(await agents[0]!.exited(10_000)).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;
    expect(ReportSchema.safeParse(report).error?.issues ?? []).toEqual([]);
    const a = report.run.agents!;
    expect(a.count).toBe(2);
    expect(a.reported).toBe(1);
    expect(a.lost).toHaveLength(1);
    const lost = a.lost[0]!;
    expect(lost.pid).toBe(victimPid);
    expect(lost.sends).toBeGreaterThan(0);
    expect(lost.sessions).toBeGreaterThan(0);
    expect(report.answer).toMatch(/Incomplete: load-test agent [12] of 2 .*died/);
    expect(report.turns.completed + report.turns.cacheHits).toBeGreaterThan(5);

    // Nobody goes on loading the target, and the run's keys are gone (but the stop flag, which expires).
    await new Promise((r) => setTimeout(r, 1000));
    const after = await turnsServed(rt);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await turnsServed(rt)).toBe(after);
    const runId = /run ([0-9a-f-]{36})/.exec(err)?.[1];
    expect(runId, err).toBeDefined();
    expect((await scanKeys(redis, `hr:lt:run:${runId}:*`)).sort()).toEqual([`hr:lt:run:${runId}:stop`]);
    await redis.del(`hr:lt:run:${runId}:stop`);
  }, 90_000);
});
