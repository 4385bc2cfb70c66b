/**
 * Two load tests in a row against one runtime (mock provider, gateway, sessions and locks in real Redis):
 * each run has its own session namespace, so the second never meets the conversations the first left
 * behind (history, locks). The first run is interrupted mid-way, the way a Ctrl-C or a cut-off drain
 * leaves conversations stored and turns still running on the runtime; the second, with the same scenario
 * and seed, must still be exactly the simulated run (sessions, turns, tokens by model, cost) — the run id
 * changes no routing split, request key or seeded draw.
 *
 * Before, every run sent session N as `/v1/sessions/N/turns`: the second run's first turns loaded the
 * first run's histories (more input tokens than planned) or met their locks (409, turns failed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pricing } from '../../src/core/pricing.js';
import { buildLoadReport } from '../../src/loadtest/build-report.js';
import { replay } from '../../src/loadtest/replay.js';
import { buildReport } from '../../src/sim/build-report.js';
import { simulate } from '../../src/sim/simulate.js';
import { startRuntime, type RuntimeHarness } from '../helpers/runtime.js';

const K = 50;

// About 40 three-turn conversations over a scenario minute (1.2 s real), split over two models by session:
// the split is keyed by the workload session, so a run id leaking into it would move tokens between models.
// No response cache: answers cached by the first run would be hits in the second, whatever its sessions.
const YAML = `
name: run-sessions
seed: 11
duration: 1m
warmup: 5s
users: { dailyActive: 1500, concurrencyRatio: 0.5% }
conversation:
  turns: 3
  thinkTime: 4s
  tokens: { systemPrompt: 200, userMessage: { dist: uniform, min: 20, max: 60 }, output: { dist: uniform, min: 10, max: 40 } }
models:
  sonnet: { id: claude-sonnet-4-6, latency: { ttft: 300ms, outputRate: 400/s } }
  haiku: { id: claude-haiku-4-5, latency: { ttft: 200ms, outputRate: 800/s } }
router:
  default: { sonnet: 1, haiku: 1 }
workers: { count: 10, concurrency: 20 }
cache: false
`;

let rt: RuntimeHarness | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
});

describe('successive load tests against one runtime', () => {
  it('each run has its own sessions: the second is the simulated run exactly, after an interrupted first', async () => {
    rt = await startRuntime({ yaml: YAML, timeScale: K, redis: true });
    const s = rt.scenario;
    const pricing = new Pricing(s);

    // The first run stops half-way through the arrivals: conversations stay stored mid-way, turns still run.
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 600);
    const first = await replay(s, { target: rt.url, timeScale: K, seed: s.seed, signal: stop.signal });
    expect(first.interrupted).toBe(true);
    expect(first.measurements.sends).toBeGreaterThan(10);

    const second = buildLoadReport(s, s.seed, await replay(s, { target: rt.url, timeScale: K, seed: s.seed }), pricing);
    const predicted = buildReport(simulate(s, { seed: s.seed }), pricing);
    expect(second.turns.failed, JSON.stringify(second.turns.byReason)).toBe(0);
    expect(second.cohort.sessions).toBeGreaterThan(20);
    expect(Object.keys(second.cohort.byModel).sort()).toEqual(['haiku', 'sonnet']);
    expect(second.cohort).toEqual(predicted.cohort);
  }, 60_000);
});
