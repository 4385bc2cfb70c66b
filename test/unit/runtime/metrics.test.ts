/** The runtime's Prometheus metrics: each latency part over the turns that went through it, as in reports. */
import { describe, expect, it } from 'vitest';
import { newOutcome, type TurnOutcome } from '../../../src/core/pipeline/turn.js';
import { RuntimeMetrics } from '../../../src/runtime/metrics.js';

function outcome(patch: Partial<TurnOutcome>): TurnOutcome {
  return { ...newOutcome(0, false), endedAtMs: 1_000, ...patch };
}

async function partCounts(m: RuntimeMetrics): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const v of (await m.part.get()).values) if (v.metricName === 'headroom_turn_part_seconds_count') counts[String(v.labels['part'])] = v.value;
  return counts;
}

describe('runtime metrics: turn latency parts', () => {
  it('observes a part only for turns that had it: a cache hit has no queue, limiter or provider time; tool and retry only when they happened', async () => {
    const m = new RuntimeMetrics();
    m.observeTurn(outcome({ status: 'cache-hit' }), true);
    m.observeTurn(outcome({ status: 'ok', tookSlot: true, providerMs: 900 }), true);
    m.observeTurn(outcome({ status: 'ok', tookSlot: true, providerMs: 900, toolMs: 300, retries: 1, retryWaitMs: 500 }), true);
    m.observeTurn(outcome({ status: 'rejected', reason: 'queue-full', tookSlot: true }), false);
    expect(await partCounts(m)).toEqual({ queue: 2, limiter: 2, provider: 2, tool: 1, retry: 1 });
  });
});
