/**
 * Prometheus metrics of the runtime (prom-client), on a registry of its own per app so several apps
 * in one process (tests) do not collide. Names follow Prometheus conventions; they mirror the report's
 * metrics (core/metrics/report.ts): turn latency and its parts, outcomes, tokens and cost by model,
 * cache hits, provider failures, limiter waits, queue depth, in-flight turns, breaker state.
 *
 * Conversation turns and stand-alone calls of the Anthropic-compatible pass-through (`POST /v1/messages`)
 * are counted apart: `headroom_turns_*` and `headroom_turn_*` cover turns only, as the report's turn
 * figures do, so a dashboard of turns per second or turn latency does not mix in single calls (a
 * `kind` label on the turn series would have changed what every existing query over them sums). The
 * pass-through has its own `headroom_messages_total` and `headroom_message_latency_seconds`. What
 * measures the provider, the cache and the spend — tokens, cost, provider calls and failures, retries,
 * limiter waits, cache lookups — counts both, since both use the same provider limits and budget.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { hadStage } from '../core/metrics/stages.js';
import type { TurnOutcome } from '../core/pipeline/turn.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300];

export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly turns = new Counter({ name: 'headroom_turns_total', help: 'Turns by outcome', labelNames: ['status', 'reason'] as const, registers: [this.registry] });
  readonly turnLatency = new Histogram({ name: 'headroom_turn_latency_seconds', help: 'End-to-end turn latency', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly part = new Histogram({ name: 'headroom_turn_part_seconds', help: 'Turn latency by part (queue, limiter, provider, tool, retry), each over the answered turns that had it', labelNames: ['part'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly messages = new Counter({ name: 'headroom_messages_total', help: 'Anthropic-compatible POST /v1/messages calls by outcome (not in headroom_turns_total)', labelNames: ['status', 'reason'] as const, registers: [this.registry] });
  readonly messageLatency = new Histogram({ name: 'headroom_message_latency_seconds', help: 'End-to-end latency of answered POST /v1/messages calls', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly ttft = new Histogram({ name: 'headroom_ttft_seconds', help: 'Time to first token of a turn', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly tokens = new Counter({ name: 'headroom_tokens_total', help: 'Tokens by model and class', labelNames: ['model', 'class'] as const, registers: [this.registry] });
  readonly costUsd = new Counter({ name: 'headroom_cost_usd_total', help: 'Cost by model (USD, from provider usage)', labelNames: ['model'] as const, registers: [this.registry] });
  readonly requests = new Counter({ name: 'headroom_provider_requests_total', help: 'Provider calls answered, by model', labelNames: ['model'] as const, registers: [this.registry] });
  readonly failures = new Counter({ name: 'headroom_provider_failures_total', help: 'Provider failures by kind (429, 529, 5xx, timeout, connection)', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly limiterWaits = new Counter({ name: 'headroom_limiter_waits_total', help: 'Requests held back by our limiter, by model and bucket', labelNames: ['bucket'] as const, registers: [this.registry] });
  readonly cache = new Counter({ name: 'headroom_cache_lookups_total', help: 'Response cache lookups by result', labelNames: ['result'] as const, registers: [this.registry] });
  readonly retries = new Counter({ name: 'headroom_retries_total', help: 'Retries and fallbacks', labelNames: ['type'] as const, registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'headroom_in_flight_turns', help: 'Turns being handled now', registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'headroom_queue_depth', help: 'Turns waiting for a worker slot', registers: [this.registry] });
  readonly busySlots = new Gauge({ name: 'headroom_busy_slots', help: 'Worker slots in use', registers: [this.registry] });
  readonly breaker = new Gauge({ name: 'headroom_breaker_state', help: 'Circuit breaker per model: 0 closed, 1 half-open, 2 open', labelNames: ['model'] as const, registers: [this.registry] });
  readonly sessionLocksLost = new Counter({ name: 'headroom_session_locks_lost_total', help: 'Turns stopped because their session lock was lost while they ran (renewals failed past its expiry, or another holder had it)', registers: [this.registry] });
  readonly taskStatusUnsaved = new Gauge({ name: 'headroom_task_status_unsaved', help: 'Async tasks whose turn ran here but whose final status could not be saved yet: retried in the background, GET /v1/tasks/:id says unknown meanwhile', registers: [this.registry] });
  readonly taskStatusLost = new Counter({ name: 'headroom_task_status_lost_total', help: 'Async tasks whose turn ran here but whose final status was never saved (background retries given up, or the instance stopped)', registers: [this.registry] });
  readonly ingressRejected = new Counter({ name: 'headroom_ingress_rejected_total', help: 'Requests refused at the door, by reason', labelNames: ['reason'] as const, registers: [this.registry] });

  // Label children resolved once: a labelled observe hashes its labels on every call, and these run
  // once per request on the hot path (see bench/runtime.ts).
  private readonly parts = {
    queue: this.part.labels({ part: 'queue' }),
    limiter: this.part.labels({ part: 'limiter' }),
    provider: this.part.labels({ part: 'provider' }),
    tool: this.part.labels({ part: 'tool' }),
    retry: this.part.labels({ part: 'retry' }),
  };
  private readonly cacheHit = this.cache.labels({ result: 'hit' });
  private readonly cacheMiss = this.cache.labels({ result: 'miss' });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'headroom_process_' });
  }

  /** A conversation turn: its outcome, latency and parts, then what it cost (`observeCalls`). */
  observeTurn(o: TurnOutcome, cacheLookedUp: boolean): void {
    this.turns.inc({ status: o.status, reason: o.reason ?? '' });
    if (answered(o)) {
      this.turnLatency.observe((o.endedAtMs - o.startedAtMs) / 1000);
      if (o.ttftMs !== undefined) this.ttft.observe(o.ttftMs / 1000);
      // Each part over the answered turns that had it, as in reports (core/metrics/stages.ts): zeros for a
      // cache hit's provider time or a turn without tools would pull every percentile towards 0.
      const p = this.parts;
      if (hadStage('queueWait', o, false)) p.queue.observe(o.queueWaitMs / 1000);
      if (hadStage('limiterWait', o, false)) p.limiter.observe(o.limiterWaitMs / 1000);
      if (hadStage('provider', o, false)) p.provider.observe(o.providerMs / 1000);
      if (hadStage('tool', o, false)) p.tool.observe(o.toolMs / 1000);
      if (hadStage('retryWait', o, false)) p.retry.observe(o.retryWaitMs / 1000);
    }
    this.observeCalls(o, cacheLookedUp);
  }

  /** A pass-through call (`POST /v1/messages`): its own outcome and latency, then what it cost; no turn metric. */
  observeMessage(o: TurnOutcome, cacheLookedUp: boolean): void {
    this.messages.inc({ status: o.status, reason: o.reason ?? '' });
    if (answered(o)) this.messageLatency.observe((o.endedAtMs - o.startedAtMs) / 1000);
    this.observeCalls(o, cacheLookedUp);
  }

  /** What turns and pass-through calls share: cache lookups, retries, provider failures, limiter waits, calls, tokens and cost. */
  private observeCalls(o: TurnOutcome, cacheLookedUp: boolean): void {
    if (cacheLookedUp) (o.status === 'cache-hit' ? this.cacheHit : this.cacheMiss).inc();
    if (o.retries) this.retries.inc({ type: 'retry' }, o.retries);
    if (o.fallbacks) this.retries.inc({ type: 'fallback' }, o.fallbacks);
    for (const [k, n] of Object.entries(o.failures)) this.failures.inc({ kind: k }, n ?? 0);
    for (const [k, n] of Object.entries(o.limiterWaitsBy)) this.limiterWaits.inc({ bucket: k }, n ?? 0);
    for (const c of o.charges) {
      const u = c.usage;
      this.requests.inc({ model: c.model });
      this.tokens.inc({ model: c.model, class: 'input' }, u.inputTokens);
      this.tokens.inc({ model: c.model, class: 'output' }, u.outputTokens);
      this.tokens.inc({ model: c.model, class: 'cache_write_5m' }, u.cacheWrite5mTokens);
      this.tokens.inc({ model: c.model, class: 'cache_write_1h' }, u.cacheWrite1hTokens);
      this.tokens.inc({ model: c.model, class: 'cache_read' }, u.cacheReadTokens);
      this.costUsd.inc({ model: c.model }, c.costNanos / 1e9);
    }
  }
}

const answered = (o: TurnOutcome) => o.status === 'ok' || o.status === 'cache-hit';
