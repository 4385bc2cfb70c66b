/**
 * Which stages an answered turn went through, so that each stage's latency distribution is over the
 * turns that had that stage: a cache hit makes no provider call and (pooled) takes no slot, and
 * recording it as a zero-length provider call or queue wait would pull the percentiles towards 0
 * (with 80 % cache hits every median read 0 ms while the queue p95 was 17 s). Turn latency and TTFT
 * keep every answered turn: they are what users see. Used by the simulator and the load tester alike.
 */
import type { LatencyMetric } from './report.js';

/** What is known of an answered turn (`status` is 'ok' or 'cache-hit'). */
export interface StageFacts {
  status: string;
  toolMs: number;
  retries: number;
  retryWaitMs: number;
  /** Whether the turn asked for a worker slot (TurnOutcome.tookSlot); a live target that does not say falls back on its status and the worker mode. */
  tookSlot?: boolean;
}

/**
 * - queueWait: turns that asked for a worker slot — pooled, every provider-answered turn; per session,
 *   a conversation's first turn only (later ones hold its slot), a cache hit included (the slot is
 *   taken before the lookup);
 * - limiterWait, provider: turns answered by the provider;
 * - tool: of those, turns that ran a tool; retryWait: of those, turns that retried;
 * - turn, ttft: every answered turn.
 */
export function hadStage(m: LatencyMetric, t: StageFacts, slotPerSession: boolean): boolean {
  switch (m) {
    case 'turn':
    case 'ttft':
      return true;
    case 'queueWait':
      return t.tookSlot ?? (t.status === 'ok' || slotPerSession);
    case 'limiterWait':
    case 'provider':
      return t.status === 'ok';
    case 'tool':
      return t.status === 'ok' && t.toolMs > 0;
    case 'retryWait':
      return t.status === 'ok' && (t.retries > 0 || t.retryWaitMs > 0);
  }
}
