/**
 * The async task dispatcher on the real Redis (two runtime instances on two clients, one queue):
 * - an instance runs at most `concurrency` tasks at once, whether it claimed them (new tasks) or
 *   reclaimed them (a dead instance's pending ones), and none of them is lost on the way.
 */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { queueConfig } from '../../src/core/pipeline/build.js';
import type { ProviderResult } from '../../src/core/provider-model.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { RedisTaskQueue } from '../../src/runtime/stores/redis-queue.js';
import { TaskService, type TaskServiceOptions } from '../../src/runtime/tasks.js';
import { TurnService, type TurnBody, type TurnResponse } from '../../src/runtime/turn-service.js';
import { parseScenario } from '../../src/scenario/load.js';
import { waitFor } from '../helpers/runtime.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';

const { redis, other } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const YAML = `
name: tasks
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  tokens: { systemPrompt: 20, output: 10 }
models:
  sonnet: { id: claude-sonnet-4-6 }
`;
const usage = { inputTokens: 5, outputTokens: 10, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };

/** A provider that answers after `ms` real ms, counting its calls. */
function slow(ms: number) {
  const p = { calls: 0, call: async (): Promise<ProviderResult> => (p.calls++, await sleep(ms), { ok: true, usage, ttftMs: ms, stopReason: 'end_turn' }) };
  return p;
}

function runtimeOn(client: Redis, provider: ReturnType<typeof slow>, keys: string): Runtime {
  const r = parseScenario(YAML, 'tasks.yaml');
  if (!r.scenario) throw new Error(JSON.stringify(r.problems));
  return createRuntime({ scenario: r.scenario, provider, texts: new MemoryTextStore(), redis: client, prefix: keys });
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

function instance(client: Redis, provider: ReturnType<typeof slow>, keys: string, opts: TaskServiceOptions) {
  const rt = runtimeOn(client, provider, keys);
  const turns = new CountingTurns(rt);
  return { rt, turns, tasks: new TaskService(rt, turns, opts) };
}

describe('async tasks on Redis: one instance\'s concurrency', () => {
  it('runs no more than `concurrency` tasks at once, reclaimed and claimed together; every task is done, once', async () => {
    const keys = `${prefix}-conc`;
    const provider = slow(400);
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
