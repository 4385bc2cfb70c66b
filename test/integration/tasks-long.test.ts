/**
 * An async turn that runs longer than `reclaimAfterMs` on a live instance, with a second instance on
 * the same Redis: the second must not take it over (its consumer is alive and touches it), so the
 * turn runs — and is billed — once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderRequest, ProviderResult } from '../../src/core/provider-model.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { TaskService } from '../../src/runtime/tasks.js';
import { TurnService } from '../../src/runtime/turn-service.js';
import { parseScenario } from '../../src/scenario/load.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';

const { redis, other } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

const YAML = `
name: tasks-long
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  tokens: { systemPrompt: 20, output: 10 }
models:
  sonnet: { id: claude-sonnet-4-6 }
`;

describe('async tasks on Redis', () => {
  it('runs a task longer than reclaimAfterMs once, though another instance polls for idle tasks', async () => {
    const r = parseScenario(YAML, 'tasks-long.yaml');
    if (!r.scenario) throw new Error(JSON.stringify(r.problems));
    let calls = 0;
    const provider = {
      call: async (_req: ProviderRequest): Promise<ProviderResult> => {
        calls++;
        await new Promise((res) => setTimeout(res, 1_200));
        return { ok: true, usage: { inputTokens: 5, outputTokens: 10, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, ttftMs: 1_200, stopReason: 'end_turn' };
      },
    };
    const instance = (client: typeof redis, consumer: string) => {
      const rt = createRuntime({ scenario: r.scenario!, provider, texts: new MemoryTextStore(), redis: client, prefix });
      return new TaskService(rt, new TurnService(rt), { consumer, concurrency: 4, reclaimAfterMs: 300, pollMs: 10 });
    };
    const a = instance(redis, 'A');
    const b = instance(other, 'B');
    a.start();
    const sub = await a.submit('long-1', { message: 'write me a long answer' }, 'standard');
    expect(sub.accepted).toBe(true);
    const id = sub.accepted ? sub.id : '';
    await new Promise((res) => setTimeout(res, 100)); // A claims it first
    b.start();
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'done' && status !== 'failed'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      status = (await a.get(id))?.status;
    }
    await new Promise((res) => setTimeout(res, 500)); // room for a duplicate run to start
    await Promise.all([a.stop(), b.stop()]);
    expect(status).toBe('done');
    expect(calls).toBe(1);
  }, 20_000);
});
