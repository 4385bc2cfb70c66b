/**
 * Distributed load generation: two agent processes on loopback split the sessions by id through
 * Redis and the coordinator merges their measurements (encoded HDR histograms, counters, cohort) into
 * one report — which must equal a single-process replay's cohort exactly, and the simulator's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pricing } from '../../src/core/pricing.js';
import { decodeHistogram } from '../../src/core/metrics/histogram.js';
import { main } from '../../src/cli/main.js';
import { buildApp } from '../../src/runtime/app.js';
import { startMockProvider } from '../../src/runtime/mock-provider/server.js';
import { AnthropicProvider } from '../../src/runtime/providers/anthropic.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { loadScenario } from '../../src/scenario/load.js';
import { buildReport } from '../../src/sim/build-report.js';
import { simulate } from '../../src/sim/simulate.js';
import type { Report } from '../../src/core/metrics/report.js';
import { CLI_COMMAND } from '../helpers/processes.js';
import { PassThrough } from 'node:stream';

const K = 20;
const OVERRIDES = ['duration=2m', 'warmup=20s', 'workers.count=6', 'users.dailyActive=1500', 'conversation.thinkTime=10s'];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(args, { out, err, isTty: false });
  return { code, stdout, stderr };
}

describe('distributed load generation', () => {
  it('two agent processes share the sessions through Redis; the merged report equals the simulation on the cohort', async () => {
    const s = await loadScenario('scenarios/support-agent.yaml', { overrides: OVERRIDES });
    const mock = await startMockProvider({ scenario: s, timeScale: K });
    closers.push(() => mock.close());
    const texts = new MemoryTextStore();
    const provider = new AnthropicProvider({ baseURL: mock.url, models: s.models, texts, mock: true, timeScale: K });
    const { app } = await buildApp(createRuntime({ scenario: s, provider, texts, timeScale: K }));
    const target = await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(async () => {
      await app.close();
      provider.close();
    });

    process.env.HEADROOM_AGENT_CMD = JSON.stringify(CLI_COMMAND);
    const sets = OVERRIDES.flatMap((o) => ['--set', o]);
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', target, '--time-scale', String(K), '--agents', '2', '--json', ...sets]);
    delete process.env.HEADROOM_AGENT_CMD;
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect([0, 99]).toContain(r.code);
    const live = JSON.parse(r.stdout) as Report;

    const predicted = buildReport(simulate(s), new Pricing(s));
    expect(live.cohort.sessions).toBeGreaterThan(20);
    expect(live.cohort).toEqual(predicted.cohort);
    // The merged latency histogram holds every answered turn of the window from both agents.
    expect(decodeHistogram(live.histograms.turn).totalCount).toBe(live.turns.completed + live.turns.cacheHits);
  }, 90_000);
});
