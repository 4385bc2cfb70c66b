/**
 * The Messages API's server-sent events, as the mock sends them: frames `event: X\ndata: {"type":"X",…}\n\n`
 * in Anthropic's order — message_start → ping → content_block_start → content_block_delta* →
 * content_block_stop → message_delta → message_stop.
 *
 * Usage goes in both places the reference asks for: input and cache counts in message_start (with
 * output_tokens 1, as Anthropic sends), cumulative counts (input, cache and output) in message_delta, so a
 * gateway reading either one alone still gets the truth.
 */
import type { Usage } from '../../core/types.js';

/** Words per text_delta frame: coarse enough to keep frames few, fine enough to see streaming. */
export const WORDS_PER_DELTA = 20;

/** One frame and when to send it, in real ms after the first token. */
export interface TimedFrame {
  afterMs: number;
  data: string;
}

/** Encodes one SSE frame; the payload's `type` repeats the event name, as Anthropic does. */
export function sseFrame(event: string, payload: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...payload })}\n\n`;
}

/** The `usage` object of the Messages API (also used for the non-streaming response). */
export function wireUsage(u: Usage, outputTokens = u.outputTokens) {
  return {
    input_tokens: u.inputTokens,
    cache_creation_input_tokens: u.cacheWrite5mTokens + u.cacheWrite1hTokens,
    cache_read_input_tokens: u.cacheReadTokens,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5mTokens, ephemeral_1h_input_tokens: u.cacheWrite1hTokens },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

/** What a successful streamed answer consists of, as decided by the provider model. */
export interface StreamPlanInput {
  id: string;
  model: string;
  text: string;
  usage: Usage;
  stopReason: 'end_turn' | 'max_tokens';
  /** Real ms from the first to the last token: (durationMs − ttftMs) / timeScale. */
  generationMs: number;
}

/**
 * Every frame of a successful stream with its send time. The first text delta goes out at 0 (the first
 * token arrives at TTFT) and the last at `generationMs`, evenly spaced between, so a client measures TTFT
 * and total duration as the provider model decided them.
 */
export function planStream(p: StreamPlanInput): TimedFrame[] {
  const message = { id: p.id, type: 'message', role: 'assistant', model: p.model, content: [], stop_reason: null, stop_sequence: null, usage: wireUsage(p.usage, 1) };
  const frames: TimedFrame[] = [
    { afterMs: 0, data: sseFrame('message_start', { message }) },
    { afterMs: 0, data: sseFrame('ping', {}) },
    { afterMs: 0, data: sseFrame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) },
  ];
  const words = p.text === '' ? [] : p.text.split(' ');
  const chunks = Math.ceil(words.length / WORDS_PER_DELTA);
  for (let i = 0; i < chunks; i++) {
    const part = words.slice(i * WORDS_PER_DELTA, (i + 1) * WORDS_PER_DELTA).join(' ');
    const afterMs = chunks === 1 ? 0 : (p.generationMs * i) / (chunks - 1);
    frames.push({ afterMs, data: sseFrame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: i === 0 ? part : ` ${part}` } }) });
  }
  const endMs = Math.max(0, p.generationMs);
  const { service_tier: _tier, cache_creation: _split, ...cumulative } = wireUsage(p.usage);
  frames.push(
    { afterMs: endMs, data: sseFrame('content_block_stop', { index: 0 }) },
    { afterMs: endMs, data: sseFrame('message_delta', { delta: { stop_reason: p.stopReason, stop_sequence: null }, usage: cumulative }) },
    { afterMs: endMs, data: sseFrame('message_stop', {}) },
  );
  return frames;
}
