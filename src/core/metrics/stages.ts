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
}

/**
 * - queueWait: turns that took a worker slot — every provider-answered turn, and in per-session mode a
 *   cache hit too (its conversation takes the slot before the lookup);
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
      return t.status === 'ok' || slotPerSession;
    case 'limiterWait':
    case 'provider':
      return t.status === 'ok';
    case 'tool':
      return t.status === 'ok' && t.toolMs > 0;
    case 'retryWait':
      return t.status === 'ok' && (t.retries > 0 || t.retryWaitMs > 0);
  }
}
