/**
 * The coordinator's watch over its agents' heartbeats (src/loadtest/distributed.ts, collectRun), against
 * the real Redis with the agents played by the test: a heartbeat key that goes for a moment while its
 * agent lives (evicted, deleted by hand) does not make a dead agent, and an agent that reports and ends
 * its heartbeat is never taken for dead.
 */
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRun, emptyMeasurements, postRun, removeRun, startRun, type RunSpec } from '../../src/loadtest/distributed.js';

// Its own database, as the other liveness test (see loadtest-agent-liveness.test.ts).
const redis = new Redis('redis://127.0.0.1:6379/14', { lazyConnect: true, maxRetriesPerRequest: 1 });
beforeAll(() => redis.connect());
afterAll(() => redis.quit());

async function run(): Promise<RunSpec> {
  const spec = await postRun(redis, {
    scenarioText: await readFile('scenarios/support-agent.yaml', 'utf8'),
    scenarioFile: 'scenarios/support-agent.yaml',
    overrides: [],
    target: 'http://127.0.0.1:9',
    timeScale: 20,
    seed: 1,
    agents: 1,
    agentsTimeoutMs: 5000,
    stream: false,
    connections: 1,
    drainTimeoutMs: 1000,
  });
  await startRun(redis, spec);
  return spec;
}

const alive = (spec: RunSpec) => `hr:lt:run:${spec.runId}:alive:0`;
const result = (spec: RunSpec) => JSON.stringify({ measurements: emptyMeasurements(spec).toJSON(), wallMs: 10, sessions: 0, index: 0, interrupted: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agent heartbeats', () => {
  it('a heartbeat key gone for a moment, then renewed by its live agent, is not a dead agent', async () => {
    const spec = await run();
    let beating: NodeJS.Timeout | undefined;
    try {
      const beat = () => redis.set(alive(spec), '1', 'PX', 5000);
      await beat();
      beating = setInterval(() => void beat(), 1000);
      const lost: unknown[] = [];
      const collected = collectRun(redis, spec, 30_000, undefined, (a) => lost.push(a));
      await sleep(1100);
      // Gone (as an eviction would take it) for longer than one look of the coordinator's, then back.
      clearInterval(beating);
      await redis.del(alive(spec));
      await sleep(1500);
      await beat();
      beating = setInterval(() => void beat(), 1000);
      await sleep(2000);
      await redis.rpush(`hr:lt:run:${spec.runId}:results`, result(spec));
      const r = await collected;
      expect(lost).toEqual([]);
      expect(r.agents).toEqual({ count: 1, reported: 1, lost: [] });
    } finally {
      clearInterval(beating);
      await removeRun(redis, spec);
    }
  }, 20_000);

  it('an agent that pushes its result and ends its heartbeat at once is taken for reported, not dead', async () => {
    const spec = await run();
    try {
      await redis.set(alive(spec), '1', 'PX', 5000);
      const collected = collectRun(redis, spec, 30_000);
      await sleep(1500);
      await redis.rpush(`hr:lt:run:${spec.runId}:results`, result(spec));
      await redis.del(alive(spec));
      const r = await collected;
      expect(r.agents).toEqual({ count: 1, reported: 1, lost: [] });
    } finally {
      await removeRun(redis, spec);
    }
  }, 20_000);

  it('an agent whose heartbeat lapses is lost within seconds, with what its last heartbeat said', async () => {
    const spec = await run();
    try {
      await redis.set(alive(spec), '1', 'PX', 1000);
      await redis.hset(`hr:lt:run:${spec.runId}:agents`, '0', JSON.stringify({ pid: 4242, host: 'loadgen-1', sessions: 3, sends: 7, answered: 5 }));
      const startedAt = performance.now();
      const r = await collectRun(redis, spec, 60_000);
      expect(performance.now() - startedAt).toBeLessThan(6000);
      expect(r.agents).toEqual({ count: 1, reported: 0, lost: [{ agent: 1, pid: 4242, host: 'loadgen-1', sessions: 3, sends: 7, answered: 5 }] });
      expect(r.interrupted).toBe(false);
    } finally {
      await removeRun(redis, spec);
      await redis.del(`hr:lt:run:${spec.runId}:stop`);
    }
  }, 20_000);
});
