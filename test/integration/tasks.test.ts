/**
 * The async task dispatcher on the real Redis (two runtime instances on two clients, one queue):
 * - an instance runs at most `concurrency` tasks at once, whether it claimed them (new tasks) or
 *   reclaimed them (a dead instance's pending ones), and none of them is lost on the way;
 * - a task whose turn ran but whose final status could not be saved (acked anyway, so that it is not
 *   run and billed again) does not read `running` until its record expires: GET /v1/tasks/:id says
 *   `unknown` with a reason while the instance that ran it retries the save in the background, and the
 *   real outcome once a retry gets through; an outcome never saved is logged and counted.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { queueConfig } from '../../src/core/pipeline/build.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { RedisTaskQueue } from '../../src/runtime/stores/redis-queue.js';
import { TaskService, type TaskServiceOptions } from '../../src/runtime/tasks.js';
import { TurnService, type TurnBody, type TurnResponse } from '../../src/runtime/turn-service.js';
import { metricValue, postTurn, redisRuntime, request, slowProvider, smallScenarioYaml, startRuntime, waitFor, type RuntimeHarness } from '../helpers/runtime.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';

const { redis, other } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const YAML = smallScenarioYaml('tasks');

function runtimeOn(client: Redis, provider: ReturnType<typeof slowProvider>, keys: string): Runtime {
  return redisRuntime(YAML, client, provider, keys);
}

/** Turns that count how many of them run at once on this instance. */
class CountingTurns extends TurnService {
  running = 0;
  most = 0;
  override async run(sessionId: string, body: TurnBody): Promise<TurnResponse> {
    this.most = Math.max(this.most, ++this.running);
    try {
      return await super.run(sessionId, body);
    } finally {
      this.running--;
    }
  }
}

function instance(client: Redis, provider: ReturnType<typeof slowProvider>, keys: string, opts: TaskServiceOptions) {
  const rt = runtimeOn(client, provider, keys);
  const turns = new CountingTurns(rt);
  return { rt, turns, tasks: new TaskService(rt, turns, opts) };
}

describe('async tasks on Redis: one instance\'s concurrency', () => {
  it('runs no more than `concurrency` tasks at once, reclaimed and claimed together; every task is done, once', async () => {
    const keys = `${prefix}-conc`;
    const provider = slowProvider(400);
    // A dead instance: accepted three tasks, claimed them and stopped answering (they stay pending with it).
    const dead = instance(redis, provider, keys, { consumer: 'dead', concurrency: 8, reclaimAfterMs: 200, pollMs: 10 });
    const ids: string[] = [];
    const submit = async (name: string) => {
      const sub = await dead.tasks.submit(name, { message: `task ${name}` }, 'standard');
      if (sub.accepted) ids.push(sub.id);
    };
    for (let i = 0; i < 3; i++) await submit(`dead-${i}`);
    const queue = new RedisTaskQueue(redis, { prefix: `${keys}:tasks`, config: queueConfig(dead.rt.scenario) });
    for (let i = 0; i < 3; i++) expect(await queue.claim('dead', Date.now() * dead.rt.timeScale)).toBeDefined();
    await sleep(250); // idle past reclaimAfterMs
    const b = instance(other, provider, keys, { consumer: 'B', concurrency: 2, reclaimAfterMs: 200, pollMs: 10 });
    try {
      b.tasks.start();
      // B's first reclaim round takes two of the three (its room); the third stays pending.
      await waitFor(() => (b.turns.running >= 2 ? true : undefined), 'B running two reclaimed tasks', 5_000, 5);
      // New work arrives meanwhile: B has no room for it until a reclaimed task finishes.
      for (let i = 0; i < 2; i++) await submit(`new-${i}`);
      const statuses = async () => Promise.all(ids.map(async (id) => (await b.tasks.get(id))?.status));
      await waitFor(async () => ((await statuses()).every((st) => st === 'done' || st === 'failed') ? true : undefined), 'every task finished', 15_000, 50);
      expect(await statuses()).toEqual(Array(5).fill('done'));
      expect(provider.calls).toBe(5);
      expect(b.turns.most, 'turns running at once on B (concurrency 2)').toBeLessThanOrEqual(2);
    } finally {
      await b.tasks.stop();
      await deleteKeys(redis, `hr:${keys}*`);
    }
  }, 20_000);
});

/** Makes `client`'s SET of a finished task's status (done or failed) fail while `failing.on` is true; counts the failures. */
function failFinalStatusSaves(client: Redis): { on: boolean; failed: number } {
  const state = { on: true, failed: 0 };
  const set = client.set.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { set: (...args: unknown[]) => Promise<unknown> }).set = (...args) => {
    if (state.on && String(args[0]).includes(':task:') && /"status":"(done|failed)"/.test(String(args[1]))) {
      state.failed++;
      return Promise.reject(new Error('injected: status save failed'));
    }
    return set(...args);
  };
  return state;
}

describe('async tasks on Redis: an outcome whose status save keeps failing', () => {
  const open: RuntimeHarness[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });

  it('GET /v1/tasks/:id says unknown with a reason (not running) while the save fails, then the real outcome once a background retry gets through', async () => {
    const h = await startRuntime({ yaml: YAML, redis: true });
    open.push(h);
    const failing = failFinalStatusSaves(h.runtime.redis!);
    const sub = await postTurn(h.url, 'unsaved', { message: 'an answer nobody could record', async: true });
    expect(sub.status).toBe(202);
    const url = `${h.url}/v1/tasks/${sub.body.taskId}`;
    // The turn takes a few ms and the in-line retries about a second: then the task is acked.
    const unknown = await waitFor(async () => {
      const r = await request(url);
      return r.body.status === 'queued' || r.body.status === 'running' ? undefined : r;
    }, 'the task to leave queued/running', 5_000, 50);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ id: sub.body.taskId, sessionId: 'unsaved', status: 'unknown' });
    expect(unknown.body.error).toMatch(/outcome could not be recorded/);
    expect(unknown.body.result).toBeUndefined();
    expect(failing.failed).toBe(4); // the save and its three in-line retries
    const metrics = (await request(`${h.url}/metrics`)).body as string;
    expect(metricValue(metrics, 'headroom_task_status_unsaved')).toBe(1);
    // The store accepts writes again: a background retry records the outcome.
    failing.on = false;
    const done = await waitFor(async () => {
      const r = await request(url);
      return r.body.status === 'unknown' ? undefined : r;
    }, 'the background save', 10_000, 100);
    expect(done.body).toMatchObject({ status: 'done', result: { sessionId: 'unsaved', status: 'ok' } });
    expect(done.body.error).toBeUndefined();
    const after = (await request(`${h.url}/metrics`)).body as string;
    expect(metricValue(after, 'headroom_task_status_unsaved')).toBe(0);
    expect(metricValue(after, 'headroom_task_status_lost_total')).toBe(0);
  }, 20_000);

  it('logs and counts an outcome still unsaved when the instance stops; the task still reads unknown, and its turn ran once', async () => {
    const keys = `${prefix}-lost`;
    const provider = slowProvider(50);
    const logged: string[] = [];
    const rt = runtimeOn(redis, provider, keys);
    const failing = failFinalStatusSaves(redis);
    const a = new TaskService(rt, new TurnService(rt), { consumer: 'A', concurrency: 2, reclaimAfterMs: 300, pollMs: 10, log: { error: (_obj, msg) => void logged.push(msg) } });
    try {
      a.start();
      const sub = await a.submit('lost', { message: 'an answer lost at shutdown' }, 'standard');
      const id = sub.accepted ? sub.id : '';
      await waitFor(async () => ((await a.get(id))?.status === 'unknown' ? true : undefined), 'unknown', 5_000, 50);
      await a.stop(); // one last attempt, which fails too
      failing.on = false;
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatch(/could not be saved; acking it anyway/);
      expect(logged[1]).toMatch(/never recorded/);
      expect(metricValue(await rt.metrics.registry.metrics(), 'headroom_task_status_lost_total')).toBe(1);
      expect(metricValue(await rt.metrics.registry.metrics(), 'headroom_task_status_unsaved')).toBe(0);
      expect(await a.get(id)).toMatchObject({ status: 'unknown' });
      await sleep(500); // nobody reclaims and reruns it: it was acked
      expect(provider.calls).toBe(1);
    } finally {
      failing.on = false;
      await a.stop();
      await deleteKeys(redis, `hr:${keys}*`);
    }
  }, 20_000);
});
