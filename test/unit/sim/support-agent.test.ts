/**
 * Oracle (e): the textbook figures of scenarios/support-agent.yaml — 5,000 daily users at 3 % → ≈ 150
 * conversations in progress on average; ~6 turns of ~3 s of LLM time → ≈ 18 s of LLM time per
 * conversation — come out of the simulation.
 *
 * LLM time per conversation = the window's total provider time (`latency.provider`: mean × count, over
 * every turn of the window; cache hits count 0 s, they cost no LLM time) ÷ the conversations started
 * in the window. Tolerance 5 % for the bundled run. Seed to seed, mean active sessions vary by ~1.8 %
 * (sd) and LLM time per conversation by ~0.9 %, so the bundled seed's 5 % is ~3 sd and ~5 sd; the mean
 * of eight seeds (SE ~0.6 % and ~0.3 %) must be within 2 %, which a 3 % systematic error would fail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { Pricing } from '../../../src/core/pricing.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { simulate } from '../../../src/sim/simulate.js';
import { meanCallMs } from '../../../src/workload/arrivals.js';

const llmSecondsPerConversation = (r: Report) => (r.latency.provider.mean * r.latency.provider.count) / r.population.sessionsStarted / 1000;

describe('scenarios/support-agent.yaml', () => {
  let scenario: Scenario;
  let bundled: Report;
  let seeds: Report[];
  beforeAll(async () => {
    scenario = await loadScenario('scenarios/support-agent.yaml');
    const pricing = new Pricing(scenario);
    bundled = buildReport(simulate(scenario), pricing);
    seeds = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => buildReport(simulate(scenario, { seed }), pricing));
  }, 60_000);

  it('has about 150 conversations in progress on average (within 5 %)', () => {
    expect(bundled.scenario.seed).toBe(42);
    expect(bundled.population.targetConcurrency).toBe(150);
    const active = bundled.population.meanActiveSessions;
    console.log(`support-agent: ${active.toFixed(1)} mean active sessions, ${llmSecondsPerConversation(bundled).toFixed(2)} s of LLM time per conversation`);
    expect(Math.abs(active / 150 - 1)).toBeLessThan(0.05);
    const mean = seeds.reduce((a, r) => a + r.population.meanActiveSessions, 0) / seeds.length;
    expect(Math.abs(mean / 150 - 1), `mean of ${seeds.length} seeds: ${mean.toFixed(1)}`).toBeLessThan(0.02);
  });

  it('spends about 18 s of LLM time per 6-turn conversation (within 5 %), ~3 s per answer', () => {
    // The scenario's own arithmetic: E[turns] = 6 (Poisson, at least 1: 6.0025) × E[call] ≈ 3.05 s.
    expect(meanCallMs(scenario)).toBeGreaterThan(2900);
    expect(meanCallMs(scenario)).toBeLessThan(3100);
    const perConversation = llmSecondsPerConversation(bundled);
    expect(Math.abs(perConversation / 18 - 1)).toBeLessThan(0.05);
    const turnsPerConversation = bundled.turns.arrived / bundled.population.sessionsStarted;
    expect(Math.abs(turnsPerConversation / 6 - 1)).toBeLessThan(0.05);
    // Per answer from the provider (cache hits excluded): ~3 s.
    const perAnswerS = (bundled.latency.provider.mean * bundled.latency.provider.count) / bundled.turns.completed / 1000;
    expect(Math.abs(perAnswerS / 3 - 1)).toBeLessThan(0.05);
    const mean = seeds.reduce((a, r) => a + llmSecondsPerConversation(r), 0) / seeds.length;
    expect(Math.abs(mean / 18 - 1), `mean of ${seeds.length} seeds: ${mean.toFixed(2)} s`).toBeLessThan(0.02);
  });
});
