/**
 * Which provider limit the report names as binding (core/metrics/derive.ts `limitUse`). The schema
 * says a limit binds when it "held calls back": calls our limiter made wait on it, or 429s the
 * provider answered on it — whatever its measured peak. A limiter that reserves a large `maxTokens`
 * against OTPM holds calls back while the tokens actually used stay far below the limit, so a rule on
 * the peak alone said "no provider limit binds" over thousands of limiter waits.
 */
import { describe, expect, it } from 'vitest';
import { limitUse, type StepUsage } from '../../../src/core/metrics/derive.js';
import type { WindowCounts } from '../../../src/core/metrics/window-counts.js';
import { Pricing } from '../../../src/core/pricing.js';
import { ProviderModel } from '../../../src/core/provider-model.js';
import { loadScenario, parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { simulate } from '../../../src/sim/simulate.js';
import { ModelMap } from '../../../src/core/model-map.js';

function scenario(yaml: string): Scenario {
  const r = parseScenario(yaml, 'binding.yaml');
  if (!r.scenario) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.scenario;
}

const S = scenario(`
duration: 10m
warmup: 0
users: { dailyActive: 100, concurrencyRatio: 10% }
models:
  m: { id: claude-sonnet-4-5, limits: { rpm: 1000, itpm: 1M, otpm: 100k } }
`);

/** Window counts of the 10-minute run (no warm-up), every minute using `perMinute` of each limit. */
function usage(perMinute: { requests: number; inputTokens: number; outputTokens: number }): Pick<WindowCounts, 'byModel'> {
  const minutes = 10;
  const m: StepUsage = { requests: Array(minutes).fill(perMinute.requests), inputTokens: Array(minutes).fill(perMinute.inputTokens), outputTokens: Array(minutes).fill(perMinute.outputTokens) };
  return { byModel: new ModelMap([['m', m]]) };
}

const LOW = { requests: 100, inputTokens: 100_000, outputTokens: 15_000 }; // 10 %, 10 %, 15 % of the limits

describe('the binding limit', () => {
  it('is none when nothing held calls back and no peak reached 80 % of the admitted rate', () => {
    expect(limitUse(S, usage(LOW), {}).binding).toBeNull();
  });

  it('is a limit our limiter made calls wait on, however low its peak', () => {
    const b = limitUse(S, usage(LOW), { 'm:otpm': 1728 }).binding;
    expect(b).toMatchObject({ model: 'm', limit: 'otpm', binds: true, heldBack: 1728, rateLimited: 0 });
  });

  it('is a limit the provider answered 429 on', () => {
    const b = limitUse(S, usage(LOW), {}, { 'm:itpm': 3 }).binding;
    expect(b).toMatchObject({ model: 'm', limit: 'itpm', binds: true, heldBack: 0, rateLimited: 3 });
  });

  it('prefers a limit that held calls back over one that only came close', () => {
    const close = { ...LOW, requests: 0.8 * 0.9 * 1000 + 1 }; // RPM just past 80 % of the admitted rate
    expect(limitUse(S, usage(close), {}).binding).toMatchObject({ limit: 'rpm', binds: false });
    expect(limitUse(S, usage(close), { 'm:otpm': 1 }).binding).toMatchObject({ limit: 'otpm', binds: true });
  });
});

describe('the provider model', () => {
  it('says which of its limits refused a request with 429', () => {
    const s = scenario(`
users: { dailyActive: 100, concurrencyRatio: 10% }
models:
  m: { id: claude-sonnet-4-5, limits: { rpm: 2 } }
`);
    const model = new ProviderModel(s, 1);
    const req = { model: 'm', requestKey: 'k', segments: [], outputTokens: 10, maxTokens: 100, timeoutMs: 60_000 };
    expect(model.decide({ ...req, requestKey: 'a' }, 0).result.ok).toBe(true);
    expect(model.decide({ ...req, requestKey: 'b' }, 1).result.ok).toBe(true);
    const refused = model.decide({ ...req, requestKey: 'c' }, 2).result;
    expect(refused).toMatchObject({ ok: false, kind: '429', limit: 'rpm' });
  });
});

describe('support-agent with a 32k maxTokens on sonnet', () => {
  it('names sonnet OTPM as binding: the limiter holds calls back on the reserved output', async () => {
    const s = await loadScenario('scenarios/support-agent.yaml', { overrides: ['models.sonnet.maxTokens=32k'] });
    const r = buildReport(simulate(s), new Pricing(s));
    const waits = r.events.limiterWaits['sonnet:otpm'] ?? 0;
    expect(waits).toBeGreaterThan(100);
    expect(r.limits.byModel.sonnet!.otpm!.peakUtilisation).toBeLessThan(0.5); // far from the peak rule
    expect(r.limits.binding).toMatchObject({ model: 'sonnet', limit: 'otpm', binds: true, heldBack: waits });
    expect(r.answer).toContain('The binding limit is sonnet OTPM');
    expect(r.answer).not.toContain('No provider limit binds');
  }, 30_000);
});
