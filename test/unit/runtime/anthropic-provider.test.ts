import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { segment, type Segment } from '../../../src/core/context.js';
import { CallCutShort } from '../../../src/core/pipeline/interrupt.js';
import type { ProviderRequest, ProviderResult } from '../../../src/core/provider-model.js';
import { HeadroomError } from '../../../src/errors.js';
import { AnthropicProvider, type AnthropicProviderOptions } from '../../../src/runtime/providers/anthropic.js';
import { SUMMARY_INSTRUCTION } from '../../../src/runtime/providers/anthropic-request.js';
import { ProviderClosedError, ProviderRequestError } from '../../../src/runtime/providers/errors.js';
import { MemoryTextStore } from '../../../src/runtime/providers/text-store.js';
import { decodeWireRequest, REQUEST_HEADER } from '../../../src/runtime/wire.js';
import { countTokens, textFor } from '../../../src/workload/text.js';

const BASE = 'http://anthropic.test';
const ENDPOINT = `${BASE}/v1/messages`;
const KEY = 'sk-ant-api03-TEST-KEY-do-not-leak-4f9c2e';
const MODELS = { sonnet: { id: 'claude-headroom-test', maxTokens: 1024, timeout: 2_000 } };

let closedPort = 0;
const server = setupServer();

beforeAll(async () => {
  // A port nobody listens on: bind one, then close it.
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  server.listen({
    onUnhandledRequest: (req, print) => {
      if (new URL(req.url).port !== String(closedPort)) print.error();
    },
  });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

// ---- helpers ----------------------------------------------------------------------------------------

const withKey = <T>(value: string | undefined, fn: () => T): T => {
  const saved = process.env['ANTHROPIC_API_KEY'];
  if (value === undefined) delete process.env['ANTHROPIC_API_KEY'];
  else process.env['ANTHROPIC_API_KEY'] = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env['ANTHROPIC_API_KEY'];
    else process.env['ANTHROPIC_API_KEY'] = saved;
  }
};

function provider(opts: Partial<AnthropicProviderOptions> = {}): AnthropicProvider {
  return new AnthropicProvider({ baseURL: BASE, apiKey: KEY, models: MODELS, texts: new MemoryTextStore(), stream: false, ...opts });
}

function request(segments: Segment[], requestKey = 's1/t1/c1/a1', outputTokens = 20): ProviderRequest {
  return { model: 'sonnet', requestKey, segments, outputTokens, maxTokens: 1024, timeoutMs: 2_000 };
}

const FIRST_TURN = [segment('system', 12), segment('s1/t1/u', 5)];

interface Captured {
  calls: number;
  bodies: Record<string, unknown>[];
  headers: Headers[];
}

/** Answers every request with `respond` and records what arrived. */
function handle(respond: (n: number) => Response | Promise<Response>): Captured {
  const c: Captured = { calls: 0, bodies: [], headers: [] };
  server.use(
    http.post(ENDPOINT, async ({ request }) => {
      c.calls++;
      c.headers.push(request.headers);
      c.bodies.push((await request.json()) as Record<string, unknown>);
      return respond(c.calls);
    }),
  );
  return c;
}

function message(usage: Record<string, unknown>, text = 'Hello there', stopReason = 'end_turn'): Record<string, unknown> {
  return { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-headroom-test', content: [{ type: 'text', text }], stop_reason: stopReason, stop_sequence: null, usage };
}

const USAGE = { input_tokens: 17, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function apiError(status: number, type: string, msg: string, headers: Record<string, string> = {}): Response {
  return HttpResponse.json({ type: 'error', error: { type, message: msg }, request_id: 'req_err1' }, { status, headers: { 'request-id': 'req_err1', ...headers } });
}

/**
 * A body as a stream that honours cancel. msw's string bodies never settle a cancel, which hangs
 * the SDK when it stops reading early (a bad event); a real HTTP body (undici) does settle.
 */
function raw(text: string, contentType: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(new TextEncoder().encode(text));
      ctrl.close();
    },
    cancel() {},
  });
  return new HttpResponse(body, { headers: { 'content-type': contentType } });
}

type Frame = { event: string; data: unknown } | { waitMs: number } | 'stall';

/** An SSE body; `{ waitMs }` pauses, 'stall' keeps the connection open without sending more. */
function sse(frames: Frame[]): Response {
  const enc = new TextEncoder();
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      void (async () => {
        for (const f of frames) {
          if (cancelled) return;
          if (f === 'stall') return;
          if ('waitMs' in f) await delay(f.waitMs);
          else ctrl.enqueue(enc.encode(`event: ${f.event}\ndata: ${JSON.stringify(f.data)}\n\n`));
        }
        if (!cancelled) ctrl.close();
      })();
    },
    cancel() {
      cancelled = true;
    },
  });
  return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream', 'request-id': 'req_stream1' } });
}

const START = (usage: Record<string, unknown>) => ({
  event: 'message_start',
  data: { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-headroom-test', content: [], stop_reason: null, stop_sequence: null, usage } },
});
const BLOCK_START = { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } };
const DELTA = (text: string) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } });
const BLOCK_STOP = { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } };
const MESSAGE_DELTA = (usage: Record<string, unknown>, stop = 'end_turn') => ({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage } });
const STOP = { event: 'message_stop', data: { type: 'message_stop' } };
const PING = { event: 'ping', data: { type: 'ping' } };

type Block = { type: string; text: string; cache_control?: unknown };
type Msg = { role: string; content: Block[] };

/** Everything that could carry the key out of the adapter. */
const leaks = (x: unknown) => JSON.stringify(x, Object.getOwnPropertyNames(x ?? {})).includes(KEY) || inspect(x, { depth: 8, showHidden: true }).includes(KEY) || String(x).includes(KEY);

// ---- construction -----------------------------------------------------------------------------------

describe('AnthropicProvider construction', () => {
  it('throws a HeadroomError with a hint when no key is given for the real API', () => {
    withKey(undefined, () => {
      let err: unknown;
      try {
        new AnthropicProvider({ models: MODELS, texts: new MemoryTextStore() });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeadroomError);
      expect((err as HeadroomError).code).toBe('HEADROOM_ERR_BAD_ARGUMENT');
      expect((err as HeadroomError).hint).toMatch(/ANTHROPIC_API_KEY/);
    });
  });

  it('reads ANTHROPIC_API_KEY when no key is passed', () => {
    withKey(KEY, () => expect(() => new AnthropicProvider({ baseURL: BASE, models: MODELS, texts: new MemoryTextStore() })).not.toThrow());
  });

  it('needs no key for a mock, and never sends the environment key to one', async () => {
    const c = handle(() => HttpResponse.json(message(USAGE)));
    const p = withKey(KEY, () => new AnthropicProvider({ baseURL: BASE, mock: true, stream: false, models: MODELS, texts: new MemoryTextStore() }));
    expect((await p.call(request(FIRST_TURN))).ok).toBe(true);
    const sent = [...c.headers[0]!.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
    expect(sent).not.toContain(KEY);
  });

  it('refuses a mock without a base URL and a bad timeScale', () => {
    expect(() => new AnthropicProvider({ mock: true, models: MODELS, texts: new MemoryTextStore() })).toThrow(HeadroomError);
    expect(() => provider({ timeScale: 0 })).toThrow(HeadroomError);
  });

  it('keeps the key out of inspect and JSON', () => {
    const p = provider();
    expect(leaks(p)).toBe(false);
  });
});

// ---- the request ------------------------------------------------------------------------------------

describe('request building', () => {
  const SEGMENTS = [
    segment('system', 12),
    segment('s1/summary1', 8),
    segment('s1/t2/u', 5),
    segment('s1/t2/c1', 6),
    segment('s1/t2/r1', 7),
    segment('s1/t2/c2', 4),
    segment('s1/t3/u', 9),
    segment('s1/t3/c1', 3),
    segment('s1/t3/r1', 10),
  ];

  it("sends the request's max_tokens (a client's lower one on the pass-through), not the model's", async () => {
    const c = handle(() => HttpResponse.json(message(USAGE)));
    await provider({}).call({ ...request(SEGMENTS), maxTokens: 7 });
    expect(c.bodies[0]!['max_tokens']).toBe(7);
  });

  it('sends system, alternating merged messages, two cache breakpoints, max_tokens and the model id', async () => {
    const c = handle(() => HttpResponse.json(message(USAGE)));
    const texts = new MemoryTextStore();
    texts.set('s1/t2/c1', 'a real earlier answer');
    const res = await provider({ texts }).call(request(SEGMENTS, 's1/t3/c2/a1'));
    expect(res.ok).toBe(true);
    expect(c.calls).toBe(1);

    const body = c.bodies[0]!;
    expect(body['model']).toBe('claude-headroom-test');
    expect(body['max_tokens']).toBe(1024);
    expect(body['stream']).toBeFalsy();
    expect(body['system']).toEqual([{ type: 'text', text: textFor('system', 12), cache_control: { type: 'ephemeral' } }]);

    const messages = body['messages'] as Msg[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages.map((m) => m.content.length)).toEqual([2, 1, 1, 1, 1, 1, 1]);
    const t = (key: string, n: number) => textFor(key, n);
    expect(messages[0]!.content.map((b) => b.text)).toEqual([t('s1/summary1', 8), t('s1/t2/u', 5)]);
    expect(messages[1]!.content[0]!.text).toBe('a real earlier answer');
    expect(messages[2]!.content[0]!.text).toBe(t('s1/t2/r1', 7));
    expect(messages[6]!.content[0]).toEqual({ type: 'text', text: t('s1/t3/r1', 10), cache_control: { type: 'ephemeral' } });
    // Synthetic texts carry the segment's exact token count.
    expect(countTokens(messages[6]!.content[0]!.text)).toBe(10);
    // Exactly two breakpoints: end of system, end of prompt.
    expect(JSON.stringify(body).match(/cache_control/g)).toHaveLength(2);
    expect(c.headers[0]!.get(REQUEST_HEADER)).toBeNull();
  });

  it('sends the wire header only to a mock', async () => {
    const c = handle(() => HttpResponse.json(message(USAGE)));
    const req = request(FIRST_TURN, 's7/t1/c1/a2', 33);
    await provider({ mock: true }).call(req);
    await provider({ mock: false }).call(req);
    expect(decodeWireRequest(c.headers[0]!.get(REQUEST_HEADER) ?? undefined)).toEqual({
      model: 'sonnet',
      requestKey: 's7/t1/c1/a2',
      segments: [{ key: 'system', tokens: 12 }, { key: 's1/t1/u', tokens: 5 }],
      outputTokens: 33,
    });
    expect(c.headers[1]!.get(REQUEST_HEADER)).toBeNull();
  });

  it('ends a summarising call, whose history ends with an answer, with a user instruction', async () => {
    const c = handle(() => HttpResponse.json(message(USAGE, 'the summary')));
    const texts = new MemoryTextStore();
    const res = await provider({ texts }).call(request([segment('system', 4), segment('s1/t1/u', 3), segment('s1/t1/c1', 2)], 's1/t2/summary/a1'));
    const messages = c.bodies[0]!['messages'] as Msg[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[2]!.content).toEqual([{ type: 'text', text: SUMMARY_INSTRUCTION, cache_control: { type: 'ephemeral' } }]);
    // The summary's segment key is not known here: the text comes back in the result only.
    expect(res).toMatchObject({ ok: true, text: 'the summary' });
    expect(texts.size).toBe(0);
  });

  it('sends no breakpoints without prompt caching, and 1h breakpoints when asked', async () => {
    const c = handle(() => HttpResponse.json(message(USAGE)));
    await provider({ models: { sonnet: { ...MODELS.sonnet, promptCaching: false } } }).call(request(FIRST_TURN));
    await provider({ models: { sonnet: { ...MODELS.sonnet, promptCaching: { ttl: '1h' } } } }).call(request(FIRST_TURN));
    expect(JSON.stringify(c.bodies[0])).not.toContain('cache_control');
    expect(JSON.stringify(c.bodies[1]).match(/"cache_control":\{"type":"ephemeral","ttl":"1h"\}/g)).toHaveLength(2);
  });

  it('rejects an unknown model with a HeadroomError', async () => {
    await expect(provider().call({ ...request(FIRST_TURN), model: 'nope' })).rejects.toBeInstanceOf(HeadroomError);
  });
});

// ---- success ----------------------------------------------------------------------------------------

describe('successful calls', () => {
  it('maps usage with the 5m / 1h split, stores the answer under the call segment key', async () => {
    handle(() =>
      HttpResponse.json(
        message(
          { input_tokens: 11, output_tokens: 7, cache_creation_input_tokens: 300, cache_read_input_tokens: 900, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } },
          'four words of answer',
          'max_tokens',
        ),
      ),
    );
    const texts = new MemoryTextStore();
    const res = await provider({ texts }).call(request(FIRST_TURN, 's1/t4/c2/a3'));
    expect(res).toMatchObject({
      ok: true,
      usage: { inputTokens: 11, outputTokens: 7, cacheWrite5mTokens: 100, cacheWrite1hTokens: 200, cacheReadTokens: 900 },
      stopReason: 'max_tokens',
      text: 'four words of answer',
    });
    expect(texts.get('s1/t4/c2')).toBe('four words of answer');
  });

  it('counts all cache writes as 5m when the split is absent', async () => {
    handle(() => HttpResponse.json(message({ input_tokens: 5, output_tokens: 2, cache_creation_input_tokens: 40, cache_read_input_tokens: 0 })));
    const res = await provider().call(request(FIRST_TURN));
    expect(res).toMatchObject({ ok: true, usage: { inputTokens: 5, outputTokens: 2, cacheWrite5mTokens: 40, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, stopReason: 'end_turn' });
  });

  it('reports the whole duration as TTFT without streaming, scaled for a compressed mock', async () => {
    handle(async () => {
      await delay(60);
      return HttpResponse.json(message(USAGE));
    });
    const res = (await provider({ timeScale: 10 }).call(request(FIRST_TURN))) as ProviderResult & { ok: true };
    expect(res.ttftMs).toBeGreaterThanOrEqual(550);
    expect(res.ttftMs).toBeLessThan(5_000);
  });

  it('streams: text, usage from message_start and message_delta, TTFT to the first text delta', async () => {
    const c = handle(() =>
      sse([
        START({ input_tokens: 21, output_tokens: 1, cache_creation_input_tokens: 50, cache_read_input_tokens: 60, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 50 } }),
        PING,
        BLOCK_START,
        { waitMs: 80 },
        DELTA('Hello'),
        { waitMs: 80 },
        DELTA(' world'),
        BLOCK_STOP,
        MESSAGE_DELTA({ output_tokens: 2 }),
        STOP,
      ]),
    );
    const texts = new MemoryTextStore();
    const startedAt = performance.now();
    const res = (await provider({ stream: true, texts }).call(request(FIRST_TURN, 's1/t1/c1/a1'))) as ProviderResult & { ok: true };
    const elapsed = performance.now() - startedAt;
    expect(c.bodies[0]!['stream']).toBe(true);
    expect(res).toMatchObject({
      ok: true,
      text: 'Hello world',
      stopReason: 'end_turn',
      usage: { inputTokens: 21, outputTokens: 2, cacheWrite5mTokens: 0, cacheWrite1hTokens: 50, cacheReadTokens: 60 },
    });
    expect(res.ttftMs).toBeGreaterThanOrEqual(70);
    expect(res.ttftMs).toBeLessThan(elapsed - 50);
    expect(texts.get('s1/t1/c1')).toBe('Hello world');
  });

  it('streams: message_delta counts replace message_start counts; TTFT scales', async () => {
    handle(() =>
      sse([
        START({ input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: null, cache_read_input_tokens: null }),
        BLOCK_START,
        { waitMs: 40 },
        DELTA('x'),
        BLOCK_STOP,
        MESSAGE_DELTA({ input_tokens: 30, output_tokens: 9, cache_read_input_tokens: 12, cache_creation_input_tokens: null }, 'max_tokens'),
        STOP,
      ]),
    );
    const res = (await provider({ stream: true, timeScale: 10 }).call(request(FIRST_TURN))) as ProviderResult & { ok: true };
    expect(res.usage).toEqual({ inputTokens: 30, outputTokens: 9, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 12 });
    expect(res.stopReason).toBe('max_tokens');
    expect(res.ttftMs).toBeGreaterThanOrEqual(350);
  });
});

describe('text stores', () => {
  it('sends the text the runtime stored for a segment', async () => {
    const c = handle(() => HttpResponse.json(message(USAGE, 'stored later')));
    const texts = new MemoryTextStore();
    texts.set('s1/t1/u', 'what the user really typed');
    await provider({ texts }).call(request(FIRST_TURN, 's1/t1/c1/a1'));
    expect((c.bodies[0]!['messages'] as Msg[])[0]!.content[0]!.text).toBe('what the user really typed');
    expect(texts.get('s1/t1/c1')).toBe('stored later');
  });

  it('a failing store is the store\'s error, not a provider failure', async () => {
    handle(() => HttpResponse.json(message(USAGE)));
    const down = Object.assign(new Error('store down'), { code: 'ECONNREFUSED' });
    const texts = {
      get: () => undefined,
      set: () => {
        throw down;
      },
    };
    await expect(provider({ texts }).call(request(FIRST_TURN))).rejects.toBe(down);
  });
});

// ---- failures ---------------------------------------------------------------------------------------

describe('failures the pipeline retries', () => {
  it('429 with retry-after in seconds; exactly one HTTP call (SDK retries off)', async () => {
    const c = handle(() => apiError(429, 'rate_limit_error', 'Rate limited', { 'retry-after': '7' }));
    expect(await provider().call(request(FIRST_TURN))).toEqual({ ok: false, kind: '429', status: 429, retryAfterMs: 7_000 });
    expect(c.calls).toBe(1);
  });

  it('429 prefers retry-after-ms, and scales it for a compressed mock', async () => {
    handle(() => apiError(429, 'rate_limit_error', 'Rate limited', { 'retry-after-ms': '250', 'retry-after': '1' }));
    expect(await provider().call(request(FIRST_TURN))).toEqual({ ok: false, kind: '429', status: 429, retryAfterMs: 250 });
    expect(await provider({ timeScale: 60 }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '429', status: 429, retryAfterMs: 15_000 });
  });

  it('429 without a retry-after has none', async () => {
    handle(() => apiError(429, 'rate_limit_error', 'Rate limited'));
    expect(await provider().call(request(FIRST_TURN))).toEqual({ ok: false, kind: '429', status: 429 });
  });

  it.each([
    [529, 'overloaded_error', '529'],
    [500, 'api_error', '500'],
    [502, 'api_error', '502'],
    [503, 'api_error', '503'],
    [504, 'timeout_error', 'timeout'], // the provider's own timeout: recorded as the simulator records it
    [504, 'api_error', '504'],
    [501, 'api_error', '500'],
    [408, 'timeout_error', 'timeout'],
  ] as const)('%i → %s kind %s, one HTTP call even when the server says retry', async (status, type, kind) => {
    const c = handle(() => apiError(status, type, 'boom', { 'x-should-retry': 'true' }));
    for (const stream of [false, true]) expect(await provider({ stream }).call(request(FIRST_TURN))).toEqual({ ok: false, kind, status });
    expect(c.calls).toBe(2);
  });

  it('times out a response slower than the model timeout', async () => {
    handle(async () => {
      await delay(400);
      return HttpResponse.json(message(USAGE));
    });
    const fast = { sonnet: { ...MODELS.sonnet, timeout: 80 } };
    const startedAt = performance.now();
    expect(await provider({ models: fast }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: 'timeout', status: 0 });
    expect(await provider({ models: fast, stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: 'timeout', status: 0 });
    expect(performance.now() - startedAt).toBeLessThan(700);
  });

  it('times out a stream that stalls after its headers (the deadline covers the body)', async () => {
    handle(() => sse([START(USAGE), BLOCK_START, DELTA('partial'), 'stall']));
    const res = await provider({ stream: true, models: { sonnet: { ...MODELS.sonnet, timeout: 100 } } }).call(request(FIRST_TURN));
    expect(res).toEqual({ ok: false, kind: 'timeout', status: 0 });
  });

  it('divides the timeout by timeScale for a compressed mock', async () => {
    handle(async () => {
      await delay(150);
      return HttpResponse.json(message(USAGE));
    });
    // 1 s scenario timeout at ×10 is 100 ms of real time.
    const res = await provider({ timeScale: 10, models: { sonnet: { ...MODELS.sonnet, timeout: 1_000 } } }).call(request(FIRST_TURN));
    expect(res).toEqual({ ok: false, kind: 'timeout', status: 0 });
  });

  it('connection refused → connection', async () => {
    for (const stream of [false, true]) {
      const p = provider({ baseURL: `http://127.0.0.1:${closedPort}`, stream });
      expect(await p.call(request(FIRST_TURN))).toEqual({ ok: false, kind: 'connection', status: 0 });
    }
  });

  it('a network error → connection', async () => {
    handle(() => HttpResponse.error());
    expect(await provider().call(request(FIRST_TURN))).toEqual({ ok: false, kind: 'connection', status: 0 });
  });

  it('a stream cut off before message_stop → connection', async () => {
    handle(() => sse([START(USAGE), BLOCK_START, DELTA('half an ans')]));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: 'connection', status: 0 });
  });

  it('a malformed 200 → 502 (an invalid upstream response, transient)', async () => {
    const bodies: (() => Response)[] = [
      () => new HttpResponse('<html>gateway</html>', { headers: { 'content-type': 'text/html' } }),
      () => new HttpResponse('{"type":"message", "usage": {', { headers: { 'content-type': 'application/json' } }),
      () => HttpResponse.json({ type: 'message', content: [{ type: 'text', text: 'no usage' }] }),
      () => HttpResponse.json(message({ input_tokens: 'many', output_tokens: 2 })),
    ];
    for (const body of bodies) {
      handle(body);
      expect(await provider().call(request(FIRST_TURN))).toEqual({ ok: false, kind: '502', status: 502 });
    }
  });

  it('a streamed 200 that is no Messages stream, or carries bad JSON → 502', async () => {
    handle(() => raw('<html>gateway</html>', 'text/html'));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '502', status: 502 });
    handle(() => raw('event: message_start\ndata: {not json\n\n', 'text/event-stream'));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '502', status: 502 });
    handle(() => sse([START({ output_tokens: 1 }), MESSAGE_DELTA({ output_tokens: 1 }), STOP]));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '502', status: 502 });
  });

  it('an overloaded error event mid-stream → 529 (one HTTP call)', async () => {
    const c = handle(() => sse([START(USAGE), BLOCK_START, DELTA('Hel'), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }]));
    const texts = new MemoryTextStore();
    expect(await provider({ stream: true, texts }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '529', status: 529 });
    expect(c.calls).toBe(1);
    expect(texts.size).toBe(0);
  });

  it('other error events mid-stream map by their type', async () => {
    const event = (type: string) => () => sse([START(USAGE), { event: 'error', data: { type: 'error', error: { type, message: 'x' } } }]);
    handle(event('api_error'));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '500', status: 500 });
    handle(event('rate_limit_error'));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '429', status: 429 });
    handle(event('something_new'));
    expect(await provider({ stream: true }).call(request(FIRST_TURN))).toEqual({ ok: false, kind: '500', status: 500 });
    handle(event('invalid_request_error'));
    await expect(provider({ stream: true }).call(request(FIRST_TURN))).rejects.toMatchObject({ name: 'ProviderRequestError', status: 400, type: 'invalid_request_error' });
  });
});

describe('requests the provider refuses', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
  ] as const)('%i %s → ProviderRequestError with status, type, message and request id; no retry', async (status, type) => {
    const c = handle(() => apiError(status, type, `bad thing ${status}`));
    let err: unknown;
    try {
      await provider().call(request(FIRST_TURN));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err).toMatchObject({ status, type, providerMessage: `bad thing ${status}`, requestId: 'req_err1', model: 'sonnet' });
    expect((err as Error).message).toContain(String(status));
    expect(c.calls).toBe(1);
  });
});

describe('the API key never leaves', () => {
  it('not in a refused request, even when the server echoes it', async () => {
    handle(() => apiError(401, 'authentication_error', `invalid x-api-key: ${KEY}`));
    const err = await provider().call(request(FIRST_TURN)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect((err as ProviderRequestError).providerMessage).toContain('[redacted]');
    expect(leaks(err)).toBe(false);
  });

  it('not in failure results (status, timeout, connection, stream error)', async () => {
    const results: unknown[] = [];
    handle(() => apiError(529, 'overloaded_error', `Overloaded ${KEY}`));
    results.push(await provider().call(request(FIRST_TURN)));
    handle(() => sse([START(USAGE), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: KEY } } }]));
    results.push(await provider({ stream: true }).call(request(FIRST_TURN)));
    results.push(await provider({ baseURL: `http://127.0.0.1:${closedPort}` }).call(request(FIRST_TURN)));
    handle(async () => {
      await delay(300);
      return HttpResponse.json(message(USAGE));
    });
    results.push(await provider({ models: { sonnet: { ...MODELS.sonnet, timeout: 30 } } }).call(request(FIRST_TURN)));
    expect(results.map((r) => (r as { kind: string }).kind)).toEqual(['529', '529', 'connection', 'timeout']);
    for (const r of results) expect(leaks(r)).toBe(false);
  });
});

describe('close', () => {
  it('aborts calls in flight and refuses new ones', async () => {
    handle(async () => {
      await delay(300);
      return HttpResponse.json(message(USAGE));
    });
    const p = provider();
    const pending = p.call(request(FIRST_TURN));
    await delay(30);
    p.close();
    await expect(pending).rejects.toBeInstanceOf(ProviderClosedError);
    await expect(p.call(request(FIRST_TURN))).rejects.toBeInstanceOf(ProviderClosedError);
  });
});

describe('cut short by the caller (hooks.signal)', () => {
  it('aborts a stream and rejects with CallCutShort carrying the usage message_start reported', async () => {
    handle(() => sse([START(USAGE), BLOCK_START, DELTA('partial'), 'stall']));
    const ctl = new AbortController();
    const startedAt = performance.now();
    const pending = provider({ stream: true }).call(request(FIRST_TURN), { signal: ctl.signal });
    await delay(50);
    ctl.abort(new Error('lock lost'));
    const err: unknown = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallCutShort);
    expect((err as CallCutShort).usage).toEqual({ inputTokens: 17, outputTokens: 3, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 });
    expect(performance.now() - startedAt).toBeLessThan(1_000); // not the model's 2 s deadline
  });

  it('aborts a call not streamed and rejects with CallCutShort without usage: none is known before the answer', async () => {
    handle(async () => {
      await delay(1_000);
      return HttpResponse.json(message(USAGE));
    });
    const ctl = new AbortController();
    const pending = provider().call(request(FIRST_TURN), { signal: ctl.signal });
    await delay(30);
    ctl.abort();
    const err: unknown = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallCutShort);
    expect((err as CallCutShort).usage).toBeUndefined();
  });

  it('answers as usual when the signal is not aborted', async () => {
    handle(() => HttpResponse.json(message(USAGE)));
    const res = await provider().call(request(FIRST_TURN), { signal: new AbortController().signal });
    expect(res).toMatchObject({ ok: true, usage: { inputTokens: 17, outputTokens: 3 } });
  });
});
