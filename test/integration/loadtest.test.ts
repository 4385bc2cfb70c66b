/**
 * The loop closed: mock provider + runtime + load tester on loopback replay a compressed support-agent
 * scenario, and the simulator predicts the same run. Timing-independent figures (the window's cohort:
 * sessions, turns, cache hits, tokens by model, cost) must match exactly; a second run with too few
 * workers must fail the latency SLO in the prediction and in the measurement alike.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pricing } from '../../src/core/pricing.js';
import { buildLoadReport } from '../../src/loadtest/build-report.js';
import { compareReports } from '../../src/loadtest/compare.js';
import { replay } from '../../src/loadtest/replay.js';
import { buildApp } from '../../src/runtime/app.js';
import { startMockProvider } from '../../src/runtime/mock-provider/server.js';
import { AnthropicProvider } from '../../src/runtime/providers/anthropic.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { buildReport } from '../../src/sim/build-report.js';
import { simulate } from '../../src/sim/simulate.js';

const TIME_SCALE = 20;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** Starts the mock provider and the runtime for a scenario; returns the runtime's URL. */
async function startStack(s: Scenario): Promise<string> {
  const mock = await startMockProvider({ scenario: s, timeScale: TIME_SCALE });
  closers.push(() => mock.close());
  const texts = new MemoryTextStore();
  const provider = new AnthropicProvider({ baseURL: mock.url, models: s.models, texts, mock: true, timeScale: TIME_SCALE });
  const rt = createRuntime({ scenario: s, provider, texts, timeScale: TIME_SCALE });
  const { app } = await buildApp(rt);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(async () => {
    await app.close();
    provider.close();
  });
  return url;
}

async function run(overrides: string[]) {
  // Compressed support agent: 3 scenario minutes, shorter think time so sessions (and the drain) stay short.
  const s = await loadScenario('scenarios/support-agent.yaml', { overrides: ['duration=3m', 'warmup=30s', 'conversation.thinkTime=10s', ...overrides] });
  const pricing = new Pricing(s);
  const target = await startStack(s);
  const live = buildLoadReport(s, s.seed, await replay(s, { target, timeScale: TIME_SCALE, seed: s.seed }), pricing);
  const predicted = buildReport(simulate(s), pricing);
  return { s, live, predicted, rows: compareReports(predicted, live) };
}

describe('load test against the live runtime vs the simulator', () => {
  it('agrees exactly on the cohort: sessions, turns, cache hits, tokens by model, cost', async () => {
    // Enough workers that nothing is refused: refusals depend on timing, the cohort must not.
    const { live, predicted, rows } = await run(['workers.count=6', 'users.dailyActive=2000']);
    expect(live.cohort.sessions).toBeGreaterThan(100);
    expect(live.cohort.cacheHits).toBeGreaterThan(0);
    expect(live.cohort).toEqual(predicted.cohort);
    for (const r of rows.filter((x) => x.tolerance === 'exact')) expect(r.pass, `${r.metric}: predicted ${r.predicted}, measured ${r.measured}`).toBe(true);
    // Timing-dependent: throughput is set by the arrivals, so it agrees closely even on a busy machine.
    const throughput = rows.find((r) => r.metric.startsWith('throughput'))!;
    expect(throughput.error).toBeLessThan(0.1);
    expect(live.turns.failed + live.turns.rejected + live.turns.deadLettered).toBe(0);
  }, 90_000);

  it('counts the provider 429s the runtime met, as the simulator does', async () => {
    const { live, predicted, rows } = await run(['workers.count=6', 'users.dailyActive=1000', 'faults=[{at: 0s, for: 3m, errorRate: 20%, status: 429}]']);
    const p = predicted.events.providerFailures['429'] ?? 0;
    expect(p).toBeGreaterThan(20);
    // Measured, not a constant 0 beside the prediction.
    expect(live.events.providerFailures['429']).toBeGreaterThan(p / 2);
    expect(rows.find((r) => r.metric === '429s seen')!.pass).toBe(true);
  }, 90_000);

  it('with too few workers the latency SLO fails in the prediction and in the measurement', async () => {
    const { live, predicted } = await run(['workers.count=1', 'workers.concurrency=8', 'queue.depth=100k', 'queue.timeout=10m']);
    const slo = (r: typeof live) => r.slo.checks.find((c) => c.name === 'turn latency p95')!;
    expect(slo(predicted).pass).toBe(false);
    expect(slo(live).pass).toBe(false);
    expect(predicted.latency.queueWait.p95).toBeGreaterThan(1000);
    expect(live.latency.queueWait.p95).toBeGreaterThan(1000);
  }, 90_000);
});
