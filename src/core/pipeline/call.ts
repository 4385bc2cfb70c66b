/**
 * One LLM call with its policies: route → breaker → limiter (reserve, wait, settle) → provider →
 * on failure fallback (cooldown) or retry with backoff → cost accounting. A sub-generator of the
 * turn pipeline (`yield*`).
 */
import { Rng } from '../../scenario/rng.js';
import { promptTokens, type Segment } from '../context.js';
import type { LimiterDecision } from '../limiter/types.js';
import type { ProviderResult } from '../provider-model.js';
import type { RouteFeatures } from '../router/index.js';
import type { FailureKind, LimitCost, Usage } from '../types.js';
import type { Pipeline } from './effects.js';
import type { PipelineDeps, TurnTally } from './deps.js';

export interface CallSpec {
  /** Identity of the call (session/turn/call): request keys and retry jitter derive from it. */
  key: string;
  features: RouteFeatures;
  segments: Segment[];
  outputTokens: number;
  /** Skip routing (e.g. the summariser's configured model); undefined routes. */
  model: string | undefined;
}

export type CallResult =
  | { ok: true; model: string; usage: Usage; ttftAtMs: number }
  | { ok: false; reason: FailureKind | 'exceeds-capacity' | 'breaker-open' };

const NOTHING: LimitCost = { requests: 1, inputTokens: 0, outputTokens: 0 };

export function* callModel(d: PipelineDeps, x: CallSpec, tally: TurnTally): Pipeline<CallResult> {
  const startedAt = d.now();
  const first = x.model ? { model: x.model, explanation: `fixed → ${x.model}` } : d.router.route(x.features, d.now());
  tally.routes.push(first.explanation);
  let model = first.model;
  const attempted: string[] = [];
  const inputTokens = promptTokens(x.segments);
  let rng: Rng | undefined;

  for (let attempt = 1; ; attempt++) {
    if (!attempted.includes(model)) attempted.push(model);
    const spec = d.scenario.models[model]!;
    const breaker = d.breakers?.get(model);
    if (breaker && !breaker.allow(d.now())) {
      tally.breakerRejections++;
      const fb = d.router.fallback(model, '503', attempted, d.now());
      if (!fb) return { ok: false, reason: 'breaker-open' };
      tally.fallbacks++;
      model = fb.model;
      continue;
    }

    const reserved: LimitCost = { requests: 1, inputTokens, outputTokens: d.outputEstimate(model) };
    for (;;) {
      const dec = (yield { t: 'acquire', model, cost: reserved }) as LimiterDecision;
      if (dec.granted) break;
      if (!Number.isFinite(dec.retryAfterMs)) {
        breaker?.release(d.now()); // the probe slot it may hold was never used
        return { ok: false, reason: 'exceeds-capacity' };
      }
      tally.limiterWaitMs += dec.retryAfterMs;
      tally.limiterWaits++;
      const by = `${model}:${dec.binding}`;
      tally.limiterWaitsBy[by] = (tally.limiterWaitsBy[by] ?? 0) + 1;
      yield { t: 'sleep', ms: dec.retryAfterMs };
    }

    const callStart = d.now();
    const res = (yield {
      t: 'call',
      req: { model, requestKey: `${x.key}/a${attempt}`, segments: x.segments, outputTokens: x.outputTokens, maxTokens: spec.maxTokens, timeoutMs: spec.timeout },
    }) as ProviderResult;
    tally.providerMs += d.now() - callStart;
    tally.attempts++;

    if (res.ok) {
      const u = res.usage;
      yield { t: 'settle', model, reserved, actual: { requests: 1, inputTokens: u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens, outputTokens: u.outputTokens } };
      breaker?.onSuccess(d.now());
      const costNanos = d.pricing.costNanos(model, u);
      yield { t: 'account', model, usage: u, costNanos };
      tally.charges.push({ model, usage: u, costNanos });
      return { ok: true, model, usage: u, ttftAtMs: callStart + res.ttftMs };
    }

    // The provider did not do the work: give back the tokens, keep the request counted.
    yield { t: 'settle', model, reserved, actual: NOTHING };
    breaker?.onFailure(d.now());
    tally.failures[res.kind] = (tally.failures[res.kind] ?? 0) + 1;
    if (attempt >= d.scenario.retry.maxAttempts || !d.retry.isRetryable(res.kind)) return { ok: false, reason: res.kind };

    const fb = d.router.fallback(model, res.kind, attempted, d.now());
    if (fb) {
      tally.fallbacks++;
      tally.routes.push(fb.explanation);
      model = fb.model;
      continue;
    }
    rng ??= new Rng(d.seed, 'retry', x.key);
    const delay = d.retry.nextDelayMs(attempt, res.kind, d.now() - startedAt, rng, res.retryAfterMs);
    if (delay === undefined) return { ok: false, reason: res.kind };
    tally.retries++;
    tally.retryWaitMs += delay;
    yield { t: 'sleep', ms: delay };
    model = x.model ?? d.router.route(x.features, d.now()).model;
  }
}
