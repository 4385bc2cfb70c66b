/**
 * Decision speed of the router, circuit breaker and retry policy, shared by bench/router.ts and
 * bench/core.ts. Each figure is `bestRate`'s: best of rounds after a warm-up round.
 *
 * The "5 rules + split" case is the worst case: every request is checked against all five rules
 * (none matches) and then hashed into the default split, which allocates its decision.
 */
import { BreakerSet } from '../../src/core/breaker/index.js';
import { RetryPolicy, RETRYABLE_KINDS } from '../../src/core/retry/index.js';
import { Router, type RouteFeatures, type RouterConfig } from '../../src/core/router/index.js';
import { Rng } from '../../src/scenario/rng.js';
import { bestRate } from './measure.js';

const MODELS = ['sonnet', 'haiku', 'opus'];
const FEATURES: RouteFeatures[] = Array.from({ length: 4096 }, (_, i) => ({
  requestKey: `s${i * 7919}-t${1 + (i % 6)}`,
  priority: i % 3 === 0 ? 'interactive' : 'standard',
  inputTokens: 500 + ((i * 37) % 4000),
  turn: 1 + (i % 6),
  call: 1,
}));
const MASK = FEATURES.length - 1;

const FIVE_RULES: RouterConfig = {
  default: { sonnet: 80, haiku: 20 },
  rules: [
    { when: { priority: 'batch' }, use: 'haiku' },
    { when: { minInputTokens: 50_000 }, use: 'opus' },
    { when: { priority: ['bulk', 'offline'], maxTurn: 2 }, split: { haiku: 1, sonnet: 1 } },
    { when: { minTurn: 20, maxTurn: 40 }, use: 'haiku' },
    { when: { minCall: 5, maxInputTokens: 100 }, use: 'haiku' },
  ],
  fallback: ['haiku', 'opus'],
  cooldown: 30_000,
};

export type DecisionCase = 'router decision (default only)' | 'router decision (5 rules + split)' | 'breaker allow+record' | 'retry nextDelay';

function operation(name: DecisionCase): (i: number) => number {
  switch (name) {
    case 'router decision (default only)': {
      const r = new Router({ default: 'sonnet', rules: [], fallback: ['haiku'], cooldown: 30_000 }, MODELS);
      return (i) => r.route(FEATURES[i & MASK]!, i).ruleIndex;
    }
    case 'router decision (5 rules + split)': {
      const r = new Router(FIVE_RULES, MODELS);
      return (i) => r.route(FEATURES[i & MASK]!, i).model.length;
    }
    case 'breaker allow+record': {
      // 10 % failures keeps the breaker closed; time advances 1 ms per op, crossing a bucket every 3,000 ops.
      const breakers = new BreakerSet({ window: 30_000, minRequests: 20, failureRate: 0.5, cooldown: 15_000, probes: 3 });
      return (i) => {
        const ok = breakers.allow('sonnet', i);
        if (i % 10 === 0) breakers.onFailure('sonnet', i);
        else breakers.onSuccess('sonnet', i);
        return ok ? 1 : 0;
      };
    }
    case 'retry nextDelay': {
      const policy = new RetryPolicy({ maxAttempts: 4, baseDelay: 500, maxDelay: 20_000, maxElapsed: 120_000, retryOn: [...RETRYABLE_KINDS] });
      const rng = new Rng(1, 'bench-retry');
      return (i) => policy.nextDelayMs(1 + (i % 3), '529', 0, rng) ?? 0;
    }
  }
}

/** Best ops/s of one decision case. */
export function decisionRate(name: DecisionCase, opts: { rounds: number; roundMs: number }): number {
  const op = operation(name);
  return bestRate((start, n) => {
    let s = 0;
    for (let i = start; i < start + n; i++) s += op(i);
    return s;
  }, opts);
}
