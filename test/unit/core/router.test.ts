import { describe, expect, it } from 'vitest';
import { Router, splitBucket, type RouteFeatures, type RouterConfig } from '../../../src/core/router/index.js';
import { ScenarioSchema, normalise } from '../../../src/scenario/schema.js';

const MODELS = ['sonnet', 'haiku', 'opus', 'spare'];
const f = (over: Partial<RouteFeatures> = {}): RouteFeatures => ({ requestKey: 'k', priority: 'standard', inputTokens: 1000, turn: 1, call: 1, ...over });
const router = (over: Partial<RouterConfig> = {}) => new Router({ default: 'sonnet', rules: [], fallback: [], cooldown: 30_000, ...over }, MODELS);
const modelOf = (r: Router, over: Partial<RouteFeatures>) => r.route(f(over), 0).model;

describe('Router rules', () => {
  it('routes to the default when no rule matches', () => {
    const d = router({ rules: [{ when: { priority: 'batch' }, use: 'haiku' }] }).route(f(), 0);
    expect(d).toMatchObject({ model: 'sonnet', ruleIndex: -1, fallbackIndex: -1, explanation: 'default → sonnet' });
  });

  it('takes the first matching rule when several match', () => {
    const r = router({ rules: [{ when: { priority: 'batch' }, use: 'haiku' }, { when: { minTurn: 1 }, use: 'opus' }] });
    expect(r.route(f({ priority: 'batch' }), 0)).toMatchObject({ model: 'haiku', ruleIndex: 0 });
    expect(r.route(f({ priority: 'standard' }), 0)).toMatchObject({ model: 'opus', ruleIndex: 1 });
  });

  it('matches priority as one class or a list', () => {
    const one = router({ rules: [{ when: { priority: 'batch' }, use: 'haiku' }] });
    expect([modelOf(one, { priority: 'batch' }), modelOf(one, { priority: 'interactive' })]).toEqual(['haiku', 'sonnet']);
    const list = router({ rules: [{ when: { priority: ['batch', 'standard'] }, use: 'haiku' }] });
    expect(['batch', 'standard', 'interactive'].map((p) => modelOf(list, { priority: p }))).toEqual(['haiku', 'haiku', 'sonnet']);
  });

  it('treats input-token bounds as inclusive', () => {
    const r = router({ rules: [{ when: { minInputTokens: 100, maxInputTokens: 200 }, use: 'haiku' }] });
    expect([99, 100, 200, 201].map((n) => modelOf(r, { inputTokens: n }))).toEqual(['sonnet', 'haiku', 'haiku', 'sonnet']);
  });

  it('treats turn bounds as inclusive', () => {
    const r = router({ rules: [{ when: { minTurn: 2, maxTurn: 3 }, use: 'haiku' }] });
    expect([1, 2, 3, 4].map((turn) => modelOf(r, { turn }))).toEqual(['sonnet', 'haiku', 'haiku', 'sonnet']);
  });

  it('matches minCall from that call of the agent loop on', () => {
    const r = router({ rules: [{ when: { minCall: 2 }, use: 'haiku' }] });
    expect([1, 2, 9].map((call) => modelOf(r, { call }))).toEqual(['sonnet', 'haiku', 'haiku']);
  });

  it('requires every given condition to hold', () => {
    const r = router({ rules: [{ when: { priority: 'batch', minInputTokens: 500, maxTurn: 2 }, use: 'haiku' }] });
    expect(modelOf(r, { priority: 'batch', inputTokens: 500, turn: 2 })).toBe('haiku');
    expect(modelOf(r, { priority: 'standard', inputTokens: 500, turn: 2 })).toBe('sonnet');
    expect(modelOf(r, { priority: 'batch', inputTokens: 499, turn: 2 })).toBe('sonnet');
    expect(modelOf(r, { priority: 'batch', inputTokens: 500, turn: 3 })).toBe('sonnet');
  });

  it('explains rule decisions with the YAML path and the conditions', () => {
    const r = router({
      rules: [
        { when: { priority: ['batch', 'bulk'], minInputTokens: 4000, maxInputTokens: 9000 }, use: 'haiku' },
        { when: { minTurn: 3, maxTurn: 5, minCall: 2 }, use: 'opus' },
        { when: {}, use: 'spare' },
      ],
    });
    expect(r.route(f({ priority: 'batch', inputTokens: 5000 }), 0).explanation).toBe('rules[0] (priority∈{batch,bulk}, inputTokens≥4000, inputTokens≤9000) → haiku');
    expect(r.route(f({ turn: 4, call: 2 }), 0).explanation).toBe('rules[1] (turn≥3, turn≤5, call≥2) → opus');
    expect(r.route(f(), 0).explanation).toBe('rules[2] (always) → spare');
  });

  it('rejects a config naming a model it was not given', () => {
    expect(() => router({ fallback: ['gpt'] })).toThrow(/unknown model "gpt"/);
    expect(() => router({ rules: [{ when: {}, split: { sonnet: 0 } }] })).toThrow(/weight above 0/);
  });
});

describe('Router splits', () => {
  const N = 100_000;
  // Binomial standard deviation at N = 100k is at most 0.16 percentage points; ±1 point is > 6σ, so a
  // failure means a biased hash, not bad luck (and the keys are fixed, so the test is deterministic).
  const TOLERANCE = 0.01;
  const shares = (r: Router, keyOf: (i: number) => string, over: Partial<RouteFeatures> = {}) => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < N; i++) {
      const m = r.route(f({ ...over, requestKey: keyOf(i) }), 0).model;
      counts[m] = (counts[m] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).map(([m, c]) => [m, c / N]));
  };

  it('matches the default split weights over 100k keys within ±1 point', () => {
    const s = shares(router({ default: { sonnet: 80, haiku: 20 } }), (i) => `s${i}-t1`);
    expect(Math.abs(s.sonnet! - 0.8)).toBeLessThan(TOLERANCE);
    expect(Math.abs(s.haiku! - 0.2)).toBeLessThan(TOLERANCE);
  });

  it('matches a three-way rule split, never picks a zero-weight arm', () => {
    const r = router({ rules: [{ when: { priority: 'batch' }, split: { sonnet: 1, haiku: 2, opus: 1, spare: 0 } }] });
    const s = shares(r, (i) => `session-${i * 7919}`, { priority: 'batch' });
    expect(Math.abs(s.sonnet! - 0.25)).toBeLessThan(TOLERANCE);
    expect(Math.abs(s.haiku! - 0.5)).toBeLessThan(TOLERANCE);
    expect(Math.abs(s.opus! - 0.25)).toBeLessThan(TOLERANCE);
    expect(s.spare).toBeUndefined();
    expect(r.route(f({ priority: 'batch' }), 0)).toMatchObject({ ruleIndex: 0, fallbackIndex: -1 });
  });

  it('spreads bucket values uniformly over [0, 1), even for keys differing in one character', () => {
    // ±0.5 point per decile is > 5σ; FNV-1a alone misses it on these keys (one decile 0.83 points off).
    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < N; i++) deciles[Math.floor(splitBucket(`req-${i}`) * 10)]!++;
    for (const c of deciles) expect(Math.abs(c / N - 0.1)).toBeLessThan(0.005);
  });

  it('sends the same key to the same model from two Router instances', () => {
    const config: RouterConfig = { default: { sonnet: 50, haiku: 50 }, rules: [{ when: { minTurn: 2 }, split: { opus: 1, spare: 1 } }], fallback: [], cooldown: 0 };
    const a = new Router(config, MODELS);
    const b = new Router(structuredClone(config), MODELS);
    for (let i = 0; i < 2000; i++) {
      const feats = f({ requestKey: `conv-${i}`, turn: 1 + (i % 3) });
      expect(b.route(feats, 0).model).toBe(a.route(feats, 0).model);
    }
  });

  it('explains a split with the shares and the bucket', () => {
    const d = router({ default: { sonnet: 80, haiku: 20 } }).route(f({ requestKey: 'abc' }), 0);
    const bucket = splitBucket('abc');
    expect(d.model).toBe(bucket < 0.8 ? 'sonnet' : 'haiku');
    expect(d.explanation).toBe(`default split sonnet 80% / haiku 20% → ${d.model} (bucket ${bucket.toFixed(4)})`);
  });
});

describe('Router fallback and cooldown', () => {
  const chain = () => router({ fallback: ['haiku', 'opus', 'spare'], cooldown: 10_000 });

  it('tries the chain in order, skipping the failed, attempted and cooling-down models', () => {
    const r = chain();
    const first = r.fallback('sonnet', '529', ['sonnet'], 1000);
    expect(first).toMatchObject({ model: 'haiku', fallbackIndex: 0, ruleIndex: -1, explanation: 'sonnet 529 → fallback[0] haiku' });
    const second = r.fallback('haiku', '429', ['sonnet', 'haiku'], 2000);
    expect(second).toMatchObject({ model: 'opus', fallbackIndex: 1 });
    // opus fails too; haiku is cooling down (and attempted), so the chain ends at spare.
    expect(r.fallback('opus', 'timeout', [], 3000)).toMatchObject({ model: 'spare', fallbackIndex: 2, explanation: 'opus timeout → fallback[2] spare (skipped haiku cooling down)' });
    expect(r.fallback('spare', '500', ['sonnet', 'haiku', 'opus', 'spare'], 4000)).toBeUndefined();
  });

  it('skips a model that is still cooling down even when not attempted', () => {
    const r = chain();
    r.fallback('haiku', '503', [], 0);
    expect(r.fallback('sonnet', 'connection', ['sonnet'], 5000)?.model).toBe('opus');
  });

  it('starts a cooldown that ends exactly cooldown ms after the failure', () => {
    const r = chain();
    expect(r.isCoolingDown('sonnet', 1000)).toBe(false);
    r.fallback('sonnet', '529', ['sonnet'], 1000);
    expect(r.isCoolingDown('sonnet', 1000)).toBe(true);
    expect(r.isCoolingDown('sonnet', 10_999)).toBe(true);
    expect(r.isCoolingDown('sonnet', 11_000)).toBe(false);
    // A later failure extends it; an earlier timestamp never shortens it.
    r.fallback('sonnet', '529', [], 5000);
    r.fallback('sonnet', '529', [], 2000);
    expect(r.isCoolingDown('sonnet', 14_999)).toBe(true);
    expect(r.isCoolingDown('sonnet', 15_000)).toBe(false);
  });

  it('routes around a cooling-down model, and back once the cooldown ends', () => {
    const r = chain();
    r.fallback('sonnet', '529', ['sonnet'], 0);
    const during = r.route(f(), 9_999);
    expect(during).toMatchObject({ model: 'haiku', ruleIndex: -1, fallbackIndex: 0 });
    expect(during.explanation).toBe('default → sonnet, cooling down until 10000 ms → fallback[0] haiku');
    expect(r.route(f(), 10_000)).toMatchObject({ model: 'sonnet', fallbackIndex: -1, explanation: 'default → sonnet' });
  });

  it('keeps the routed model when every fallback is cooling down too', () => {
    const r = router({ fallback: ['haiku'], cooldown: 10_000 });
    r.fallback('haiku', '429', [], 0);
    r.fallback('sonnet', '429', [], 0);
    const d = r.route(f(), 5000);
    expect(d).toMatchObject({ model: 'sonnet', fallbackIndex: -1 });
    expect(d.explanation).toBe('default → sonnet, cooling down until 10000 ms; no fallback available, trying it anyway');
  });

  it('builds from a normalised scenario', () => {
    const s = normalise(
      ScenarioSchema.parse({
        users: { dailyActive: 1000, concurrencyRatio: 0.03 },
        models: { sonnet: { id: 'claude-sonnet' }, haiku: { id: 'claude-haiku' } },
        router: { rules: [{ when: { priority: 'batch', minInputTokens: '4k' }, use: 'haiku' }], fallback: ['haiku'], cooldown: '30s' },
      }),
    );
    const r = new Router(s.router, Object.keys(s.models));
    expect(r.route(f(), 0).explanation).toBe('default → sonnet');
    expect(r.route(f({ priority: 'batch', inputTokens: 4000 }), 0).explanation).toBe('rules[0] (priority=batch, inputTokens≥4000) → haiku');
    r.fallback('sonnet', '529', ['sonnet'], 0);
    expect(r.isCoolingDown('sonnet', 29_999)).toBe(true);
  });
});
