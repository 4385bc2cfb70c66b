/**
 * What the load generator samples (turns in flight, sessions in progress), against a stub target
 * that answers every turn after a fixed delay: W is known, λ comes from the arrivals, so the sampled
 * L must agree with Little's law — and there must be a sample per scenario second of the window, as
 * the simulator takes them, whatever the time scale. Two agents splitting the sessions (distributed
 * load generation) must add up to the same L once merged.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pricing } from '../../src/core/pricing.js';
import { buildLoadReport } from '../../src/loadtest/build-report.js';
import { Measurements } from '../../src/loadtest/measure.js';
import { replay } from '../../src/loadtest/replay.js';
import { scenarioOf } from '../helpers/runtime.js';

const K = 20;
/** Every turn takes 2 s of scenario time at the stub. */
const TURN_MS = 2000;
// One-turn conversations of about 2 s, 10 at a time: about 5 arrivals/s, L ≈ 10.
const scenario = scenarioOf(`
name: sampling
seed: 7
duration: 1m
warmup: 10s
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation: { turns: 1, tokens: { systemPrompt: 100, userMessage: 10, output: 100 } }
models:
  m: { id: claude-sonnet-4-5, latency: { ttft: 1s, outputRate: 100/s } }
`);

let stub: FastifyInstance;
let url: string;
beforeAll(async () => {
  stub = Fastify();
  stub.post('/v1/sessions/:id/turns', async () => {
    await new Promise((r) => setTimeout(r, TURN_MS / K));
    return { status: 'ok', charges: [], costNanos: 0 };
  });
  url = await stub.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => stub.close());

describe('load-generator sampling', () => {
  it('samples every scenario second of the window, and the sampled L agrees with λW', async () => {
    const r = await replay(scenario, { target: url, timeScale: K, seed: scenario.seed });
    const live = buildLoadReport(scenario, scenario.seed, r, new Pricing(scenario));
    const windowS = (scenario.duration - scenario.warmup) / 1000;
    // One sample per scenario second (a timer may skip or repeat one at the edges), not one per real second (2 or 3).
    expect(r.measurements.inFlightTurns.n).toBeGreaterThanOrEqual(windowS - 2);
    expect(r.measurements.inFlightTurns.n).toBeLessThanOrEqual(windowS + 1);
    expect(live.littlesLaw.WMs).toBeGreaterThan(TURN_MS);
    expect(live.littlesLaw.relativeError).toBeLessThan(0.15);
  }, 30_000);
});

describe('distributed load generation', () => {
  it('merged samples add the agents’ in-flight turns instant by instant', async () => {
    const startAtEpochMs = Date.now() + 200;
    const agents = await Promise.all([0, 1].map((index) => replay(scenario, { target: url, timeScale: K, seed: scenario.seed, owns: (id) => id % 2 === index, startAtEpochMs })));
    const merged = new Measurements(K, scenario.warmup, scenario.duration, scenario.report.step, new Pricing(scenario));
    for (const a of agents) merged.mergeFrom(JSON.parse(JSON.stringify(a.measurements.toJSON())) as ReturnType<Measurements['toJSON']>);
    const live = buildLoadReport(scenario, scenario.seed, { ...agents[0]!, measurements: merged, wallMs: Math.max(...agents.map((a) => a.wallMs)) }, new Pricing(scenario));
    const each = agents.map((a) => a.measurements.inFlightTurns.mean);
    // The whole load, not one agent's share (pooling the samples gave their mean: half the load).
    expect(live.capacity.inFlightCalls.mean).toBeCloseTo(each[0]! + each[1]!, 0);
    expect(live.littlesLaw.relativeError).toBeLessThan(0.15);
  }, 30_000);
});
