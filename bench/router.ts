/**
 * Decision speed of the shared core's router, circuit breaker and retry policy: the per-request work
 * the pipeline does in both the simulator and the runtime.
 *
 *   npx tsx bench/router.ts [--ms 500] [--rounds 5] [--check]
 *
 * Each figure is the best of `--rounds` timed rounds of about `--ms` each, after a warm-up round, so
 * the JIT has settled and a stray GC pause does not set the number. Output is one line per figure,
 * `<name>: <N> ops/s`, then one `goal` line per goal; `--check` sets exit code 99 when a goal is missed.
 *
 * The "5 rules + split" case is the worst case: every request is checked against all five rules
 * (none matches) and then hashed into the default split, which allocates its decision.
 */
import { parseArgs } from 'node:util';
import { BreakerSet } from '../src/core/breaker/index.js';
import { RetryPolicy, RETRYABLE_KINDS } from '../src/core/retry/index.js';
import { Router, type RouteFeatures, type RouterConfig } from '../src/core/router/index.js';
import { Rng } from '../src/scenario/rng.js';

const GOALS: Record<string, number> = {
  'router decision (default only)': 5_000_000,
  'router decision (5 rules + split)': 1_000_000,
};

const { values: args } = parseArgs({
  options: {
    ms: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    check: { type: 'boolean', default: false },
  },
});
const roundMs = Number(args.ms);
const rounds = Number(args.rounds);

/** Keeps results observable so the JIT cannot drop the work. */
let sink = 0;

/** Best ops/s of `rounds` rounds; `op(i)` is called with a running index. */
function measure(op: (i: number) => number): number {
  const batch = 100_000;
  let i = 0;
  let best = 0;
  for (let round = -1; round < rounds; round++) {
    let ops = 0;
    const t0 = process.hrtime.bigint();
    let elapsedNs = 0;
    do {
      for (let k = 0; k < batch; k++) sink += op(i++);
      ops += batch;
      elapsedNs = Number(process.hrtime.bigint() - t0);
    } while (elapsedNs < roundMs * 1e6);
    if (round >= 0) best = Math.max(best, (ops * 1e9) / elapsedNs); // round -1 is the warm-up
  }
  return best;
}

const MODELS = ['sonnet', 'haiku', 'opus'];
const FEATURES: RouteFeatures[] = Array.from({ length: 4096 }, (_, i) => ({
  requestKey: `s${i * 7919}-t${1 + (i % 6)}`,
  priority: i % 3 === 0 ? 'interactive' : 'standard',
  inputTokens: 500 + ((i * 37) % 4000),
  turn: 1 + (i % 6),
  call: 1,
}));
const MASK = FEATURES.length - 1;

const defaultOnly = new Router({ default: 'sonnet', rules: [], fallback: ['haiku'], cooldown: 30_000 }, MODELS);
const fiveRules: RouterConfig = {
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
const withRules = new Router(fiveRules, MODELS);

// 10 % failures keeps the breaker closed; time advances 1 ms per op, crossing a bucket every 3,000 ops.
const breakers = new BreakerSet({ window: 30_000, minRequests: 20, failureRate: 0.5, cooldown: 15_000, probes: 3 });
const breakerOp = (i: number) => {
  const ok = breakers.allow('sonnet', i);
  if (i % 10 === 0) breakers.onFailure('sonnet', i);
  else breakers.onSuccess('sonnet', i);
  return ok ? 1 : 0;
};

const policy = new RetryPolicy({ maxAttempts: 4, baseDelay: 500, maxDelay: 20_000, maxElapsed: 120_000, retryOn: [...RETRYABLE_KINDS] });
const rng = new Rng(1, 'bench-retry');

const results: [string, number][] = [
  ['router decision (default only)', measure((i) => defaultOnly.route(FEATURES[i & MASK]!, i).ruleIndex)],
  ['router decision (5 rules + split)', measure((i) => withRules.route(FEATURES[i & MASK]!, i).model.length)],
  ['breaker allow+record', measure(breakerOp)],
  ['retry nextDelay', measure((i) => policy.nextDelayMs(1 + (i % 3), '529', 0, rng) ?? 0)],
];

let missed = false;
for (const [name, opsPerS] of results) console.log(`${name}: ${Math.round(opsPerS)} ops/s`);
for (const [name, goal] of Object.entries(GOALS)) {
  const got = results.find(([n]) => n === name)![1];
  missed ||= got < goal;
  console.log(`goal ${name}: ${got >= goal ? 'pass' : 'MISS'} (≥ ${goal} ops/s)`);
}
if (sink === 42) console.log('(sink)'); // never true in practice; reading `sink` keeps it live
if (args.check && missed) process.exitCode = 99;
