/**
 * The runtime's Prometheus metrics: each latency part over the turns that went through it, as in reports;
 * pass-through calls (`POST /v1/messages`) counted apart from conversation turns.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderResult } from '../../../src/core/provider-model.js';
import { newOutcome, type TurnOutcome } from '../../../src/core/pipeline/turn.js';
import { RuntimeMetrics } from '../../../src/runtime/metrics.js';
import { scriptedGateway } from '../../helpers/gateway.js';

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

/** The value of one sample of the exposition text (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('runtime metrics: pass-through calls are not turns', () => {
  it('counts POST /v1/messages in headroom_messages_total, not headroom_turns_total; tokens and cost count both', async () => {
    const answer: ProviderResult = { ok: true, usage: { inputTokens: 5, outputTokens: 3, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, ttftMs: 5, stopReason: 'end_turn', text: 'three short words' };
    const { app } = await scriptedGateway(async () => answer);
    try {
      const ask = (content: string) => app.inject({ method: 'POST', url: '/v1/messages', payload: { model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content }] } });
      expect((await ask('one')).statusCode).toBe(200);
      expect((await ask('two')).statusCode).toBe(200);
      expect((await ask('one')).headers['x-headroom-cache']).toBe('hit');
      let text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(sample(text, 'headroom_turns_total{status="ok",reason=""}')).toBe(0);
      expect(sample(text, 'headroom_turns_total{status="cache-hit",reason=""}')).toBe(0);
      expect(sample(text, 'headroom_turn_latency_seconds_count')).toBe(0);
      expect(sample(text, 'headroom_ttft_seconds_count')).toBe(0);
      expect(sample(text, 'headroom_messages_total{status="ok",reason=""}')).toBe(2);
      expect(sample(text, 'headroom_messages_total{status="cache-hit",reason=""}')).toBe(1);
      expect(sample(text, 'headroom_message_latency_seconds_count')).toBe(3);
      expect(sample(text, 'headroom_tokens_total{model="sonnet",class="output"}')).toBe(6);

      // A conversation turn counts as a turn, not as a message; both spend tokens.
      expect((await app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', payload: { message: 'hello' } })).statusCode).toBe(200);
      text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(sample(text, 'headroom_turns_total{status="ok",reason=""}')).toBe(1);
      expect(sample(text, 'headroom_turn_latency_seconds_count')).toBe(1);
      expect(sample(text, 'headroom_messages_total{status="ok",reason=""}')).toBe(2);
      expect(sample(text, 'headroom_tokens_total{model="sonnet",class="output"}')).toBe(9);
    } finally {
      await app.close();
    }
  });
});
