/**
 * Exclusive work on the real Redis, for turns that outlast an expiry:
 * - session locks: a lock is its holder's (a token), a turn that outlasts the lock's expiry keeps it by
 *   renewing, a holder whose lock lapsed cannot release another turn's, and a session cannot be
 *   deleted under a running turn; a turn whose lock is lost (renewals failing past its expiry, or another
 *   holder found by a renewal) stops before its next step and does not save over the session, and the
 *   store refuses a save or delete by a token that no longer holds the lock (fencing);
 * - async tasks: a task that runs longer than `reclaimAfterMs` on a live instance is not taken over by
 *   another, so the turn runs (and is billed) once; nor is one whose status could not be saved after
 *   its turn ran (retried, then acked anyway and logged); one that could not be started stays pending
 *   and runs elsewhere; a dead instance's backlog is reclaimed no faster than an instance can run it.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderResult } from '../../src/core/provider-model.js';
import { RedisTaskQueue } from '../../src/runtime/stores/redis-queue.js';
import { queueConfig } from '../../src/core/pipeline/build.js';
import { RedisSessionStore, SessionLockLostError, type SessionRecord } from '../../src/runtime/sessions.js';
import { TaskService, type TaskLog } from '../../src/runtime/tasks.js';
import { SessionBusyError, TurnService } from '../../src/runtime/turn-service.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';
import { metricValue, postTurn, redisRuntime, request, slowProvider, smallScenarioYaml, SMALL_USAGE, startRuntime, waitFor } from '../helpers/runtime.js';

const { redis, other } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisSessionStore locks', () => {
  it('lets only the holder release a lock: a lapsed holder cannot release the next turn’s', async () => {
    const a = new RedisSessionStore(redis, prefix, 200);
    const b = new RedisSessionStore(other, prefix, 200);
    const tokenA = await a.lock('lapsed');
    expect(tokenA).toBeDefined();
    expect(await b.lock('lapsed')).toBeUndefined();
    await sleep(300); // A's lock lapses (A stalled, no renewal)
    const tokenB = await b.lock('lapsed');
    expect(tokenB).toBeDefined();
    await a.unlock('lapsed', tokenA!); // A wakes up and releases "its" lock
    expect(await a.lock('lapsed')).toBeUndefined(); // B still holds it
    expect(await a.renew('lapsed', tokenA!)).toBe(false);
    await b.unlock('lapsed', tokenB!);
    expect(await a.lock('lapsed')).toBeDefined();
  });

  it('keeps a renewed lock past its expiry', async () => {
    const a = new RedisSessionStore(redis, prefix, 200);
    const token = (await a.lock('renewed'))!;
    for (let i = 0; i < 6; i++) {
      await sleep(60);
      expect(await a.renew('renewed', token)).toBe(true);
    }
    expect(await new RedisSessionStore(other, prefix, 200).lock('renewed')).toBeUndefined(); // 360 ms > 200 ms
  });

  it('refuses a save or a delete by a token that no longer holds the lock (fencing)', async () => {
    const a = new RedisSessionStore(redis, prefix, 200);
    const b = new RedisSessionStore(other, prefix, 200);
    const rec: SessionRecord = { turns: 1, conversation: { history: [[{ key: 'k', tokens: 3 }]], summaries: 0 }, holdingSlot: false };
    const tokenA = (await a.lock('fenced'))!;
    await b.breakLock('fenced'); // A's task was taken over: its lock broken, and taken by B
    const tokenB = (await b.lock('fenced'))!;
    expect(await a.save('fenced', rec, tokenA)).toBe(false);
    expect(await b.load('fenced')).toBeUndefined();
    expect(await b.save('fenced', rec, tokenB)).toBe(true);
    expect(await a.delete('fenced', tokenA)).toBe(false);
    expect(await b.load('fenced')).toEqual(rec);
    expect(await b.delete('fenced', tokenB)).toBe(true);
    expect(await b.load('fenced')).toBeUndefined();
    await b.unlock('fenced', tokenB);
  });
});

const YAML = smallScenarioYaml('session-locks');

/** A runtime instance on the test Redis and (by default) the file's prefix. */
function runtimeOn(client: typeof redis, provider: Pick<ReturnType<typeof slowProvider>, 'call'>, keys = prefix) {
  return redisRuntime(YAML, client, provider, keys);
}

describe('TurnService on Redis sessions', () => {
  function service(lockTtlMs: number, providerMs: number): TurnService {
    const rt = runtimeOn(redis, slowProvider(providerMs));
    rt.sessions = new RedisSessionStore(redis, prefix, lockTtlMs);
    return new TurnService(rt);
  }

  it('keeps a turn that outlasts the lock expiry exclusive: a second turn of the session is refused', async () => {
    const turns = service(200, 700);
    const first = turns.run('long', { message: 'take your time' });
    await sleep(450); // past two lock lifetimes
    await expect(turns.run('long', { message: 'me too' })).rejects.toBeInstanceOf(SessionBusyError);
    expect((await first).status).toBe('ok');
    expect((await turns.run('long', { message: 'now' })).status).toBe('ok');
  });

  it('refuses to end a session while a turn of it runs, and ends it after', async () => {
    const turns = service(120_000, 300);
    const running = turns.run('busy', { message: 'hello' });
    await sleep(100);
    await expect(turns.end('busy')).rejects.toBeInstanceOf(SessionBusyError);
    expect((await running).status).toBe('ok');
    await turns.end('busy');
    expect((await turns.run('busy', { message: 'again' })).turn).toBe(1); // forgotten: a new conversation
  });
});

describe('TurnService: a session lock lost while its turn runs', () => {
  /** A provider that answers after `ms` real ms, noting when each call started. */
  function timed(ms: number) {
    const p = { starts: [] as number[], call: async (): Promise<ProviderResult> => (p.starts.push(performance.now()), await sleep(ms), { ok: true, usage: SMALL_USAGE, ttftMs: ms, stopReason: 'end_turn' }) };
    return p;
  }
  const calls = (n: number) => Array.from({ length: n }, () => ({ outputTokens: 10 }));
  const lost = (rt: ReturnType<typeof runtimeOn>) => rt.metrics.registry.metrics().then((m) => metricValue(m, 'headroom_session_locks_lost_total'));

  it('stops before its next step once renewals have failed for the lock expiry: no provider call after another took the lock, no save, a clear error and a metric', async () => {
    const provider = timed(150);
    const rt = runtimeOn(redis, provider);
    const store = new RedisSessionStore(redis, prefix, 300);
    store.renew = async () => {
      throw new Error('injected: renewal failed');
    };
    rt.sessions = store;
    // An agent turn of four provider calls (~600 ms), twice the lock's expiry.
    const first = new TurnService(rt).run('lapsing', { message: 'lapsing lock: four calls', plan: { calls: calls(4) } }).then((r) => r, (e: unknown) => e);
    const b = new RedisSessionStore(other, prefix, 120_000);
    const tokenB = await waitFor(() => b.lock('lapsing'), 'the lock to lapse', 2_000, 5);
    const takenAt = performance.now();
    const outcome = await first;
    expect(outcome).toBeInstanceOf(SessionLockLostError);
    expect((outcome as Error).message).toMatch(/session lapsing: its lock/);
    expect(provider.starts.filter((t) => t >= takenAt), 'calls started after another instance took the lock').toEqual([]);
    expect(provider.starts.length).toBeLessThan(4);
    expect(await b.load('lapsing')).toBeUndefined(); // the lost turn saved nothing
    expect(await lost(rt)).toBe(1);
    expect(await b.renew('lapsing', tokenB)).toBe(true); // the lost turn did not release the new holder's lock
    await b.unlock('lapsing', tokenB);
  });

  it('stops at once when a renewal finds another holder (its lock broken for a task taken over), and saves nothing over that turn', async () => {
    const provider = timed(250);
    const rt = runtimeOn(redis, provider);
    rt.sessions = new RedisSessionStore(redis, prefix, 300); // renewed every 100 ms
    const first = new TurnService(rt).run('broken', { message: 'broken lock: three calls', plan: { calls: calls(3) } }).then((r) => r, (e: unknown) => e);
    await sleep(120);
    const b = new RedisSessionStore(other, prefix, 120_000);
    await b.breakLock('broken');
    const tokenB = (await b.lock('broken'))!;
    expect(tokenB).toBeDefined();
    const outcome = await first;
    expect(outcome).toBeInstanceOf(SessionLockLostError);
    expect((outcome as Error).message).toMatch(/another holder/);
    expect(provider.starts).toHaveLength(1); // found at the 200 ms renewal, before the second call (250 ms)
    expect(await b.load('broken')).toBeUndefined();
    expect(await lost(rt)).toBe(1);
    await b.unlock('broken', tokenB);
  });
});

describe('HTTP: a turn whose session lock is lost', () => {
  it('is answered 503 session_lock_lost (sync), and its async task fails with the reason', async () => {
    const h = await startRuntime({ yaml: YAML, redis: true });
    try {
      const store = new RedisSessionStore(h.runtime.redis!, h.prefix, 300);
      store.renew = async () => {
        throw new Error('injected: renewal failed');
      };
      h.runtime.sessions = store;
      // A tool that runs 60 s of scenario time (600 ms real at the harness's time scale 100) between two calls.
      const plan = { calls: [{ outputTokens: 10, toolLatencyMs: 60_000 }, { outputTokens: 10 }] };
      const sync = await postTurn(h.url, 'http-lost', { message: 'lock lost over HTTP', plan });
      expect(sync.status).toBe(503);
      expect(sync.headers.get('retry-after')).toBe('1');
      expect(sync.body.error).toMatchObject({ type: 'session_lock_lost' });
      expect(sync.body.error.message).toMatch(/session http-lost: its lock could not be renewed/);
      const sub = await postTurn(h.url, 'task-lost', { message: 'lock lost in a task', plan, async: true });
      const task = await waitFor(async () => {
        const r = await request(`${h.url}/v1/tasks/${sub.body.taskId}`);
        return r.body.status === 'queued' || r.body.status === 'running' ? undefined : r.body;
      }, 'the task to finish', 5_000, 50);
      expect(task).toMatchObject({ status: 'failed' });
      expect(task.error).toMatch(/session task-lost: its lock could not be renewed/);
      expect(metricValue((await request(`${h.url}/metrics`)).body as string, 'headroom_session_locks_lost_total')).toBe(2);
    } finally {
      await h.close();
    }
  });
});

describe('async tasks on Redis', () => {
  it('runs a task longer than reclaimAfterMs once, though another instance polls for idle tasks', async () => {
    const provider = slowProvider(1_200);
    const instance = (client: typeof redis, consumer: string) => {
      const rt = runtimeOn(client, provider);
      return new TaskService(rt, new TurnService(rt), { consumer, concurrency: 4, reclaimAfterMs: 300, pollMs: 10 });
    };
    const a = instance(redis, 'A');
    const b = instance(other, 'B');
    a.start();
    const sub = await a.submit('long-1', { message: 'write me a long answer' }, 'standard');
    expect(sub.accepted).toBe(true);
    const id = sub.accepted ? sub.id : '';
    await sleep(100); // A claims it first
    b.start();
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'done' && status !== 'failed'; i++) {
      await sleep(50);
      status = (await a.get(id))?.status;
    }
    await sleep(500); // room for a duplicate run to start
    await Promise.all([a.stop(), b.stop()]);
    expect(status).toBe('done');
    expect(provider.calls).toBe(1);
  }, 20_000);
});

describe('async tasks on Redis: a status save that fails', () => {
  /**
   * Instance A on a client whose SET of a task's status (`status`: finished ones by default) fails `failures` times (Infinity: always),
   * instance B polling for idle tasks on another client; one task submitted on A. Returns the provider's
   * call count once B has had time to take the task over, the task's status, and what A logged.
   */
  async function run(failures: number, status = /"status":"(done|failed)"/) {
    const flaky = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    const set = flaky.set.bind(flaky) as (...args: unknown[]) => Promise<unknown>;
    let failed = 0;
    (flaky as unknown as { set: (...args: unknown[]) => Promise<unknown> }).set = (...args) => {
      const chosen = String(args[0]).includes(':task:') && status.test(String(args[1]));
      if (chosen && failed < failures) {
        failed++;
        return Promise.reject(new Error('injected: status save failed'));
      }
      return set(...args);
    };
    const provider = slowProvider(100);
    const logged: { obj: object; msg: string }[] = [];
    const instance = (client: Redis, consumer: string, log?: TaskLog) => {
      const rt = runtimeOn(client, provider);
      return new TaskService(rt, new TurnService(rt), { consumer, concurrency: 4, reclaimAfterMs: 300, pollMs: 10, log });
    };
    const a = instance(flaky, 'A', { error: (obj, msg) => void logged.push({ obj, msg }) });
    const b = instance(other, 'B');
    try {
      a.start();
      // A message of its own: an answer cached by an earlier test would make no provider call at all.
      const sub = await a.submit(`save-${failures}-${status.source.length}`, { message: `status save, ${failures} failures of ${status.source}` }, 'standard');
      const id = sub.accepted ? sub.id : '';
      await sleep(100); // A claims it and runs it
      b.start();
      await sleep(2_500); // A's retries (~1 s), then B's reclaim rounds (every 150 ms, 300 ms idle)
      // What A logged while it ran: stop() below may add one more line, about an outcome still unsaved then
      // (background retries of the save; test/integration/tasks.test.ts checks that line).
      return { calls: provider.calls, failed, status: (await b.get(id))?.status, logged: [...logged] };
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      flaky.disconnect();
    }
  }

  it('retries the save: two failures, then the status is saved and the turn ran once', async () => {
    const r = await run(2);
    expect(r).toMatchObject({ calls: 1, failed: 2, status: 'done' });
    expect(r.logged).toEqual([]);
  }, 20_000);

  it('acks the task anyway when the save keeps failing, and logs it: the turn is not run (and billed) again', async () => {
    const r = await run(Infinity);
    expect(r.calls).toBe(1);
    expect(r.failed).toBe(4); // the save and its three retries
    expect(r.logged).toHaveLength(1);
    expect(r.logged[0]!.msg).toMatch(/could not be saved; acking it anyway/);
  }, 20_000);

  it('leaves a task whose running status cannot be saved pending, logged: another instance runs it, once', async () => {
    const r = await run(1, /"status":"running"/);
    expect(r).toMatchObject({ calls: 1, failed: 1, status: 'done' });
    expect(r.logged).toHaveLength(1);
    expect(r.logged[0]!.msg).toMatch(/could not be started/);
  }, 20_000);
});

describe('async tasks on Redis: reclaiming a dead instance\'s backlog', () => {
  it('takes no more than the instance has room to run; the rest follow, and every task is done', async () => {
    const keys = `${prefix}-backlog`;
    let running = 0;
    let most = 0;
    const provider = {
      calls: 0,
      call: async (): Promise<ProviderResult> => {
        provider.calls++;
        most = Math.max(most, ++running);
        await sleep(150);
        running--;
        return { ok: true, usage: SMALL_USAGE, ttftMs: 150, stopReason: 'end_turn' };
      },
    };
    const rt = runtimeOn(redis, provider, keys);
    const dead = new TaskService(rt, new TurnService(rt), { consumer: 'dead', concurrency: 8, reclaimAfterMs: 200, pollMs: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const sub = await dead.submit(`backlog-${i}`, { message: `backlog ${i}` }, 'standard');
      if (sub.accepted) ids.push(sub.id);
    }
    // The dead instance claimed all six and stopped answering: its tasks stay pending with it.
    const queue = new RedisTaskQueue(redis, { prefix: `${keys}:tasks`, config: queueConfig(rt.scenario) });
    for (let i = 0; i < 6; i++) expect(await queue.claim('dead', Date.now() * rt.timeScale)).toBeDefined();
    const rtB = runtimeOn(other, provider, keys);
    const b = new TaskService(rtB, new TurnService(rtB), { consumer: 'B', concurrency: 2, reclaimAfterMs: 200, pollMs: 10 });
    try {
      b.start();
      const statuses = async () => Promise.all(ids.map(async (id) => (await b.get(id))?.status));
      for (let i = 0; i < 100 && !(await statuses()).every((st) => st === 'done' || st === 'failed'); i++) await sleep(50);
      expect(await statuses()).toEqual(Array(6).fill('done'));
      expect(provider.calls).toBe(6);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      await b.stop();
      await deleteKeys(redis, `hr:${keys}*`);
    }
  }, 20_000);
});
