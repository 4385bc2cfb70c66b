/**
 * The pipeline for one stand-alone call (the Anthropic-compatible pass-through): response cache →
 * worker slot → the same callModel as a turn (route or fixed model, breaker, limiter, provider,
 * retry, fallback, cost) → cache the answer → release. No conversation: the client sends the context.
 */
import type { Segment } from '../context.js';
import { promptTokens } from '../context.js';
import type { SlotResult } from '../workers.js';
import { callModel, type CallResult } from './call.js';
import type { PipelineDeps } from './deps.js';
import type { CachedAnswer, Pipeline } from './effects.js';
import { failed, gotSlot, newOutcome, type TurnOutcome } from './turn.js';

export interface SingleCallInput {
  /** Identity of the request (request keys and retry jitter derive from it). */
  key: string;
  priority: string;
  /** A model the client asked for by name; undefined routes. */
  model: string | undefined;
  segments: Segment[];
  outputTokens: number;
  /** The client's `max_tokens`: the provider is asked for no more (nor the limiter's output estimate). */
  maxTokens: number;
  /** Exact-match response cache key; undefined skips the cache. */
  cacheKey: string | undefined;
}

export function* singleCallPipeline(d: PipelineDeps, x: SingleCallInput): Pipeline<TurnOutcome> {
  const o = newOutcome(d.now(), false);
  call: {
    if (x.cacheKey && d.cacheEnabled) {
      let hit = d.stores.cache.get(x.cacheKey, d.now());
      if (hit instanceof Promise) hit = (yield { t: 'await', promise: hit, what: 'cache.get' }) as CachedAnswer | undefined;
      if (hit) {
        o.status = 'cache-hit';
        o.answerTokens = hit.outputTokens;
        o.answerText = hit.text;
        o.ttftMs = d.now() - o.startedAtMs;
        break call;
      }
    }
    if (!gotSlot(o, (yield { t: 'slot', cls: x.priority }) as SlotResult)) break call;
    const features = { requestKey: x.key, priority: x.priority, inputTokens: promptTokens(x.segments), turn: 1, call: 1 };
    const r: CallResult = yield* callModel(d, { key: x.key, features, segments: x.segments, outputTokens: x.outputTokens, model: x.model, maxTokens: x.maxTokens }, o);
    if (!r.ok) {
      failed(o, r.reason);
      break call;
    }
    o.ttftMs = r.ttftAtMs - o.startedAtMs;
    o.answerTokens = r.usage.outputTokens;
    o.answerText = r.text;
    if (x.cacheKey && d.cacheEnabled) {
      const answer: CachedAnswer = { model: r.model, outputTokens: r.usage.outputTokens, text: r.text };
      const set = d.stores.cache.set(x.cacheKey, answer, 64 + (r.text?.length ?? r.usage.outputTokens * 2) * 2, d.now());
      if (set instanceof Promise) yield { t: 'await', promise: set, what: 'cache.set' };
    }
  }
  if (o.holdingSlot) {
    d.stores.pool.release(d.now());
    o.holdingSlot = false;
  }
  o.endedAtMs = d.now();
  return o;
}
