/**
 * One LLM call with its policies: route → breaker → limiter (enter or wait in line, settle) → provider →
 * on failure fallback (cooldown) or retry with backoff → cost accounting. A sub-generator of the
 * turn pipeline (`yield*`).
 */
import { Rng, hashString } from '../../scenario/rng.js';
import { attemptSuffix } from '../keys.js';
import { appended, counted } from '../lists.js';
import type { Segment } from '../context.js';
import type { LineAnswer } from '../limiter/line.js';
import type { Binding } from '../limiter/types.js';
import type { ProviderRequest, ProviderResult } from '../provider-model.js';
import type { RouteFeatures } from '../router/index.js';
import type { FailureKind, LimitCost, MaybePromise, Usage } from '../types.js';
import type { CircuitBreaker } from '../breaker/index.js';
import type { Pipeline } from './effects.js';
import { Interrupt, type StoppedCall } from './interrupt.js';
import type { Charge, PipelineDeps, TurnTally } from './deps.js';

export interface CallSpec {
  /** Identity of the call (session/turn/call): request keys and retry jitter derive from it. */
  key: string;
  /** hashString(key), if the caller has it (request-key hashes extend it); computed when absent. */
  keyHash?: number;
  /** This call's routing features; `inputTokens` must be the prompt's, promptTokens(segments): the limiter reserves what the provider's prompt cache will not read of it. */
  features: RouteFeatures;
  segments: Segment[];
  outputTokens: number;
  /** Skip routing (e.g. the summariser's configured model); undefined routes. */
  model: string | undefined;
  /** A client's own `max_tokens` (the pass-through), below which the model's is lowered; undefined keeps the model's. */
  maxTokens: number | undefined;
}

export type CallResult =
  | { ok: true; model: string; usage: Usage; ttftAtMs: number; /** The provider's answer, when a real one gave it. */ text: string | undefined }
  | { ok: false; reason: FailureKind | 'exceeds-capacity' | 'breaker-open' | 'context-window' };

/** What a request the provider refused or failed before doing the work counts: itself, no tokens. */
const NOTHING: LimitCost = { requests: 1, inputTokens: 0, outputTokens: 0 };
/** What a request that was never sent counts. */
const NONE: LimitCost = { requests: 0, inputTokens: 0, outputTokens: 0 };

// The generator below keeps the control flow and the state that lives across yields; building objects
// and bookkeeping happen in plain helpers. Performance: a generator's registers are allocated with it
// and copied out and back at every yield, so a lean generator body is a cheap one.

/** The first model of the call, with its explanation recorded in the tally. */
function firstModel(d: PipelineDeps, x: CallSpec, tally: TurnTally): string {
  if (x.model) {
    tally.routes = appended(tally.routes, `fixed → ${x.model}`);
    return x.model;
  }
  const r = d.router.route(x.features, d.now());
  tally.routes = appended(tally.routes, r.explanation);
  return r.model;
}

/** `v`, lowered to a client's `max_tokens` when it has one. */
function atMost(v: number, maxTokens: number | undefined): number {
  return maxTokens !== undefined && maxTokens < v ? maxTokens : v;
}

/** What the limiter reserves: the prompt tokens the provider will count against ITPM (reads are free), the output estimate against OTPM. */
function reservation(d: PipelineDeps, model: string, inputTokens: number, maxTokens: number | undefined): LimitCost {
  return { requests: 1, inputTokens, outputTokens: atMost(d.outputEstimate(model), maxTokens) };
}

class AttemptRequest implements ProviderRequest {
  constructor(
    readonly model: string,
    private readonly callKey: string,
    private readonly suffix: string,
    readonly requestKeyHash: number,
    readonly segments: Segment[],
    readonly outputTokens: number,
    readonly maxTokens: number,
    readonly timeoutMs: number,
  ) {}

  get requestKey(): string {
    return this.callKey + this.suffix;
  }
}

function request(d: PipelineDeps, x: CallSpec, keyHash: number, model: string, attempt: number): ProviderRequest {
  const spec = d.scenario.models[model]!;
  const suffix = attemptSuffix(attempt);
  return new AttemptRequest(model, x.key, suffix, hashString(suffix, keyHash), x.segments, x.outputTokens, atMost(spec.maxTokens, x.maxTokens), spec.timeout);
}

/** The limiter held this call back for `waitMs` on its `binding` bucket. */
function noteLimiterWait(tally: TurnTally, model: string, waitMs: number, binding: Binding): void {
  tally.limiterWaitMs += waitMs;
  tally.limiterWaits++;
  tally.limiterWaitsBy = counted(tally.limiterWaitsBy, `${model}:${binding}`);
}

/** What the provider counted against ITPM / OTPM (cache reads are free of ITPM). */
function used(u: Usage): LimitCost {
  return { requests: 1, inputTokens: u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens, outputTokens: u.outputTokens };
}

/** Prices the call, books it on the tally and adds it to the cost counters (whose answer it returns). */
function account(d: PipelineDeps, tally: TurnTally, model: string, usage: Usage): MaybePromise<void> {
  const c: Charge = { model, usage, costNanos: d.pricing.costNanos(model, usage) };
  tally.charges = appended(tally.charges, c);
  return d.stores.counters.add(model, usage, c.costNanos);
}

/**
 * Settles a call an Interrupt stopped after the limiter admitted it, as a failed call is settled: left
 * alone, the buckets would stay debited by the estimate of a call that never completes.
 * - Not sent: nothing reached the provider; all of it goes back, its request too.
 * - Sent and cut short, with usage reported (a stream's message_start: its input and cache counts, and
 *   the output counted so far): settled and charged on that usage. The provider bills a started call's
 *   input and the output it generated; what it generated after the last event we read is unknown, and
 *   not counted.
 * - Sent, nothing reported (an answer not streamed, or a stream cut before message_start): the request
 *   and its input tokens stay counted, since the provider counts both when it admits a request, which
 *   it may have done; the output estimate goes back, since no answer is coming. Nothing is charged: cost
 *   comes from the provider's usage, never from estimates (DESIGN.md "Pricing"), so the provider may
 *   bill input the cost counters do not show.
 * A call cut short says nothing about the provider's health: not a failure, and its breaker probe, if
 * it holds one, is released.
 */
function* settleStopped(d: PipelineDeps, tally: TurnTally, model: string, reserved: LimitCost, call: StoppedCall, breaker: CircuitBreaker | undefined): Pipeline<void> {
  breaker?.release(d.now());
  const actual = !call.sent ? NONE : call.usage ? used(call.usage) : { requests: 1, inputTokens: reserved.inputTokens, outputTokens: 0 };
  const settled = d.stores.limiter.settle(model, reserved, actual, d.now());
  if (settled instanceof Promise) yield { t: 'await', promise: settled, what: 'limiter.settle' };
  if (!call.usage) return;
  const added = account(d, tally, model, call.usage);
  if (added instanceof Promise) yield { t: 'await', promise: added, what: 'counters.add' };
}

export function* callModel(d: PipelineDeps, x: CallSpec, tally: TurnTally): Pipeline<CallResult> {
  const startedAt = d.now();
  let model = firstModel(d, x, tally);
  // Models tried, for the fallback chain. Made at the first failure: most calls never fail, and until
  // then the only model tried is the current one.
  let attempted: string[] | undefined;
  const inputTokens = x.features.inputTokens; // = promptTokens(x.segments), summed once by the caller
  const keyHash = x.keyHash ?? hashString(x.key);
  let rng: Rng | undefined;
  // A backoff was slept: the next request sent is a retry (counted then, so a retry whose every model
  // is breaker-open counts none: retries are attempts repeated).
  let retrying = false;

  // Attempts are requests sent: a model skipped because its breaker is open uses none.
  for (let attempt = 0; ; ) {
    if (attempted !== undefined && !attempted.includes(model)) attempted.push(model);
    // The provider refuses a prompt longer than the model's context window (400 invalid_request_error,
    // "prompt is too long"), and sending it again cannot help: refused here, before any limiter or
    // provider work, as a gateway that knows the window does (a conversation that outgrew its model).
    if (inputTokens > d.scenario.models[model]!.contextWindow) return { ok: false, reason: 'context-window' };
    const breaker = d.breakers?.get(model);
    if (breaker && !breaker.allow(d.now())) {
      tally.breakerRejections++;
      const fb = d.router.fallback(model, '503', (attempted ??= [model]), d.now());
      if (!fb) return { ok: false, reason: 'breaker-open' };
      tally.fallbacks++;
      model = fb.model;
      continue;
    }
    attempt++;

    // Admitted now, or it waits in the limiter's line (first come, first served) and goes when admitted.
    const reserved = reservation(d, model, d.promptEstimate.itpmTokens(model, x.segments, inputTokens, d.now()), x.maxTokens);
    let place = d.stores.limiter.enter(model, reserved, d.now());
    if (place instanceof Promise) place = (yield { t: 'await', promise: place, what: 'limiter.acquire' }) as LineAnswer | undefined;
    if (place === undefined) {
      try {
        place = (yield { t: 'limit', model, cost: reserved }) as LineAnswer;
      } catch (e) {
        breaker?.release(d.now()); // stopped in the line (interrupt.ts): the probe slot it may hold goes unused
        throw e;
      }
      if (place.ok && place.waitedMs > 0) noteLimiterWait(tally, model, place.waitedMs, place.binding!);
    }
    if (!place.ok) {
      breaker?.release(d.now()); // the probe slot it may hold was never used
      return { ok: false, reason: 'exceeds-capacity' };
    }

    const callStart = d.now();
    let res: ProviderResult;
    try {
      res = (yield { t: 'call', req: request(d, x, keyHash, model, attempt) }) as ProviderResult;
    } catch (e) {
      // Stopped from outside (the runtime's session lock was lost): settle, then let the interrupt go on.
      if (e instanceof Interrupt && e.call) {
        if (e.call.sent) {
          tally.providerMs += d.now() - callStart;
          tally.attempts++;
          if (retrying) tally.retries++;
        }
        yield* settleStopped(d, tally, model, reserved, e.call, breaker);
      }
      throw e;
    }
    tally.providerMs += d.now() - callStart;
    tally.attempts++;
    if (retrying) {
      tally.retries++;
      retrying = false;
    }

    if (res.ok) {
      const settled = d.stores.limiter.settle(model, reserved, used(res.usage), d.now());
      if (settled instanceof Promise) yield { t: 'await', promise: settled, what: 'limiter.settle' };
      breaker?.onSuccess(d.now());
      const added = account(d, tally, model, res.usage);
      if (added instanceof Promise) yield { t: 'await', promise: added, what: 'counters.add' };
      return { ok: true, model, usage: res.usage, ttftAtMs: callStart + res.ttftMs, text: res.text };
    }

    // Refused or failed before doing the work: give back the tokens, keep the request counted. A call
    // that timed out was worked on (the provider counts its tokens): its reservation stands.
    if (res.kind !== 'timeout') {
      const refunded = d.stores.limiter.settle(model, reserved, NOTHING, d.now());
      if (refunded instanceof Promise) yield { t: 'await', promise: refunded, what: 'limiter.settle' };
    }
    breaker?.onFailure(d.now());
    tally.failures = counted(tally.failures, res.kind);
    if (attempt >= d.scenario.retry.maxAttempts || !d.retry.isRetryable(res.kind)) {
      d.router.coolDown(model, res.kind, d.now()); // no fallback follows, but later calls must still route around it
      return { ok: false, reason: res.kind };
    }

    const fb = d.router.fallback(model, res.kind, (attempted ??= [model]), d.now());
    if (fb) {
      tally.fallbacks++;
      tally.routes = appended(tally.routes, fb.explanation);
      model = fb.model;
      continue;
    }
    rng ??= new Rng(d.seed, 'retry', x.key);
    const delay = d.retry.nextDelayMs(attempt, res.kind, d.now() - startedAt, rng, res.retryAfterMs);
    if (delay === undefined) return { ok: false, reason: res.kind };
    retrying = true;
    tally.retryWaitMs += delay;
    yield { t: 'sleep', ms: delay };
    // A retry starts the route and its fallback chain afresh: a model that failed transiently may serve
    // again, and one whose breaker opened meanwhile falls back to the others.
    model = x.model ?? d.router.route(x.features, d.now()).model;
    attempted = undefined;
  }
}
