/**
 * The request pipeline, written once (DESIGN.md "The one idea"): one conversation turn from admission
 * to response.
 *
 *   per-session slot? → response cache (context-free openers) → pooled slot (queue) → summary due? →
 *   for each call of the agent loop: callModel (route → breaker → limiter → provider → retry /
 *   fallback → cost) → tool time → … → cache the answer → release the slot.
 *
 * Cache before the slot on purpose: a cached answer needs no worker, which is half the point of a
 * cache when planning capacity. Only turn 1 is looked up: later prompts carry a conversation's own
 * history, so an exact match across conversations cannot happen.
 *
 * Performance: this runs once per simulated turn, so it allocates one outcome object (fixed shape,
 * mutated in place) and no closures; see bench/core.ts.
 */
import { hashString } from '../../scenario/rng.js';
import { cacheKey } from '../cache/index.js';
import { promptTokens, type Conversation } from '../context.js';
import { emptyList, noCounts } from '../lists.js';
import type { RouteFeatures } from '../router/index.js';
import type { Usage } from '../types.js';
import type { SlotResult } from '../workers.js';
import { callModel, type CallResult } from './call.js';
import type { PipelineDeps, TurnTally } from './deps.js';
import type { CachedAnswer, Pipeline } from './effects.js';
import { Interrupt } from './interrupt.js';

/**
 * What the pipeline needs of a turn. The workload's `Turn` has this shape; core declares it itself
 * because it imports nothing of ours but scenario types (DESIGN.md "Layout").
 */
export interface TurnPlan {
  index: number;
  userTokens: number;
  promptKey: string;
  calls: readonly { index: number; outputTokens: number; toolLatencyAfterMs: number; toolResultTokens: number }[];
}

export interface TurnInput {
  /** The session: its routing key. Call and request keys extend the conversation's own turn keys (Conversation.turnKeyOf), built from the same session key. */
  sessionKey: string;
  priority: string;
  turn: TurnPlan;
  lastTurn: boolean;
  conversation: Conversation;
  /** Per-session mode: whether this session already holds its slot. */
  holdingSlot: boolean;
}

export type TurnStatus = 'ok' | 'cache-hit' | 'rejected' | 'dead-letter' | 'failed';

export interface TurnOutcome extends TurnTally {
  status: TurnStatus;
  /** Why a turn did not complete: queue-full, deadline, 429, 529, timeout, breaker-open, exceeds-capacity…, or an Interrupt's reason (the runtime's session-lock-lost). */
  reason: string | undefined;
  startedAtMs: number;
  endedAtMs: number;
  /** From the turn's start to the first token of its first call (undefined if none came). */
  ttftMs: number | undefined;
  /** Output tokens of the final answer. */
  answerTokens: number;
  /** The final answer's text, when a real provider gave it (the pass-through's; a turn's answers are kept by the runtime's text store). */
  answerText: string | undefined;
  holdingSlot: boolean;
  /** This turn asked for a worker slot (and so had a queue wait, maybe 0): not a cache hit that needed none, nor a per-session turn whose conversation already held one. */
  tookSlot: boolean;
}

export function totalUsage(charges: readonly { usage: Usage }[]): Usage {
  const t = { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  for (const { usage: u } of charges) {
    t.inputTokens += u.inputTokens;
    t.outputTokens += u.outputTokens;
    t.cacheWrite5mTokens += u.cacheWrite5mTokens;
    t.cacheWrite1hTokens += u.cacheWrite1hTokens;
    t.cacheReadTokens += u.cacheReadTokens;
  }
  return t;
}

export function newOutcome(startedAtMs: number, holdingSlot: boolean): TurnOutcome {
  return {
    queueWaitMs: 0, limiterWaitMs: 0, limiterWaits: 0, limiterWaitsBy: noCounts(), providerMs: 0, retryWaitMs: 0, toolMs: 0, attempts: 0, retries: 0, fallbacks: 0,
    breakerRejections: 0, failures: noCounts(), routes: emptyList(), charges: emptyList(),
    status: 'ok', reason: undefined, startedAtMs, endedAtMs: startedAtMs, ttftMs: undefined, answerTokens: 0, answerText: undefined, holdingSlot, tookSlot: false,
  };
}

/** Release the slot unless a per-session conversation goes on to its next turn. */
function keepsSlot(d: PipelineDeps, x: TurnInput, o: TurnOutcome): boolean {
  return d.perSession && (o.status === 'ok' || o.status === 'cache-hit') && !x.lastTurn;
}

/** Books a slot answer on the outcome; false when the turn was refused (queue full, deadline). */
export function gotSlot(o: TurnOutcome, r: SlotResult): boolean {
  o.queueWaitMs += r.waitedMs;
  o.tookSlot = true;
  if (!r.ok) {
    refused(o, r);
    return false;
  }
  o.holdingSlot = true;
  return true;
}

export function refused(o: TurnOutcome, r: SlotResult & { ok: false }): void {
  o.status = r.reason === 'deadline' ? 'dead-letter' : 'rejected';
  o.reason = r.reason;
}

export function* turnPipeline(d: PipelineDeps, x: TurnInput): Pipeline<TurnOutcome> {
  const o = newOutcome(d.now(), x.holdingSlot);
  const conv = x.conversation;
  const turnKey = conv.turnKeyOf(x.turn.index); // call and request keys extend it; their hashes extend turnHash
  const turnHash = conv.turnHashOf(x.turn.index);
  // Routing key: the session, so a split keeps a conversation on one model (its prompt cache stays warm).
  const features: RouteFeatures = { requestKey: x.sessionKey, priority: x.priority, inputTokens: 0, turn: x.turn.index, call: 1 };

  // One generator with a labelled block rather than nested helpers: every yield of a simulated turn
  // passes through each delegating frame, so fewer frames is measurably faster (bench/core.ts). The try
  // is for an Interrupt (interrupt.ts), which only the runtime's interpreter throws.
  try {
    turn: {
      if (d.perSession && !o.holdingSlot) {
        if (!gotSlot(o, (yield { t: 'slot', cls: x.priority }) as SlotResult)) break turn;
      }

      let key: string | undefined;
      if (d.cacheEnabled && x.turn.index === 1) {
        features.inputTokens = d.scenario.conversation.tokens.systemPrompt + x.turn.userTokens;
        key = cacheKey(d.router.route(features, d.now()).model, x.turn.promptKey);
        let hit = d.stores.cache.get(key, d.now());
        if (hit instanceof Promise) hit = (yield { t: 'await', promise: hit, what: 'cache.get' }) as CachedAnswer | undefined;
        if (hit) {
          conv.beginTurn(x.turn.index, x.turn.userTokens);
          conv.recordCall(1, hit.outputTokens, 0);
          conv.endTurn();
          o.status = 'cache-hit';
          o.ttftMs = d.now() - o.startedAtMs;
          o.answerTokens = hit.outputTokens;
          break turn;
        }
      }

      if (!o.holdingSlot) {
        if (!gotSlot(o, (yield { t: 'slot', cls: x.priority }) as SlotResult)) break turn;
      }

      const summary = conv.summaryDue();
      if (summary) {
        const ctx = d.scenario.conversation.context;
        features.inputTokens = promptTokens(summary.segments);
        features.call = 0;
        const model = ctx.policy === 'summarise' ? ctx.model : undefined;
        const r: CallResult = yield* callModel(d, { key: `${turnKey}/summary`, keyHash: hashString('/summary', turnHash), features, segments: summary.segments, outputTokens: summary.outputTokens, model, maxTokens: undefined }, o);
        if (!r.ok) {
          failed(o, r.reason);
          break turn;
        }
        conv.applySummary(r.usage.outputTokens);
      }

      conv.beginTurn(x.turn.index, x.turn.userTokens);
      const calls = x.turn.calls;
      // An index loop: a for-of would keep an iterator object alive across the yields.
      for (let i = 0; i < calls.length; i++) {
        const c = calls[i]!;
        const segments = conv.prompt();
        features.inputTokens = promptTokens(segments);
        features.call = c.index;
        const callKey = conv.callKeyOf(x.turn.index, c.index);
        const r: CallResult = yield* callModel(d, { key: callKey, keyHash: conv.callHashOf(x.turn.index, c.index), features, segments, outputTokens: c.outputTokens, model: undefined, maxTokens: undefined }, o);
        if (!r.ok) {
          failed(o, r.reason);
          break turn;
        }
        if (o.ttftMs === undefined) o.ttftMs = r.ttftAtMs - o.startedAtMs;
        o.answerTokens = r.usage.outputTokens;
        conv.recordCall(c.index, r.usage.outputTokens, c.toolResultTokens);
        if (c.toolLatencyAfterMs > 0) {
          o.toolMs += c.toolLatencyAfterMs;
          yield { t: 'sleep', ms: c.toolLatencyAfterMs };
        }
      }
      conv.endTurn();
      if (key) {
        const model = o.charges[o.charges.length - 1]?.model ?? '';
        const set = d.stores.cache.set(key, { model, outputTokens: o.answerTokens }, 64 + o.answerTokens * 4, d.now());
        if (set instanceof Promise) yield { t: 'await', promise: set, what: 'cache.set' };
      }
    }
  } catch (e) {
    if (!(e instanceof Interrupt)) throw e;
    return interrupted(d, o, e);
  }

  if (o.holdingSlot && !keepsSlot(d, x, o)) {
    d.stores.pool.release(d.now());
    o.holdingSlot = false;
  }
  o.endedAtMs = d.now();
  return o;
}

/**
 * Ends a turn stopped from outside (the runtime's session lock was lost; interrupt.ts) as a failed turn
 * with the interrupt's reason, so that it is counted as other failed turns are, with the calls it was
 * billed for (callModel settled the one it was stopped at). A worker slot this turn took goes back; one
 * its conversation held before stays with it, as the session's record, which the turn does not save
 * over, says.
 */
function interrupted(d: PipelineDeps, o: TurnOutcome, e: Interrupt): TurnOutcome {
  failed(o, e.reason);
  if (o.tookSlot && o.holdingSlot) {
    d.stores.pool.release(d.now());
    o.holdingSlot = false;
  }
  o.endedAtMs = d.now();
  return o;
}

export function failed(o: TurnOutcome, reason: string): void {
  o.status = 'failed';
  o.reason = reason;
}
