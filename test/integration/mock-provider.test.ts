/**
 * The mock provider over real HTTP on loopback, driven by the real @anthropic-ai/sdk (maxRetries 0), so
 * what is tested is what the runtime will see: JSON and SSE shapes, usage equal to the shared
 * ProviderModel's, provider limits and faults as Anthropic errors, time compression, counters, close.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Anthropic, { APIConnectionError, APIError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider } from '../../src/cli/commands/mock-provider.js';
import { segment } from '../../src/core/context.js';
import { ProviderModel, type ProviderRequest } from '../../src/core/provider-model.js';
import { HeadroomError } from '../../src/errors.js';
import { startMockProvider, type RunningMockProvider } from '../../src/runtime/mock-provider/server.js';
import { encodeWireRequest, REQUEST_HEADER } from '../../src/runtime/wire.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { countTokens } from '../../src/workload/text.js';

const YAML = `
name: mock-test
seed: 7
users: { dailyActive: 100, concurrencyRatio: 10% }
conversation:
  tokens: { systemPrompt: 2k, output: 100 }
limiter: { margin: 1 }
models:
  fast:     { id: claude-test-fast, price: &p { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 1s, outputRate: 1000/s }, promptCaching: { ttl: 5m } }
  ttft2s:   { id: claude-test-ttft, price: *p, latency: { ttft: 2s, outputRate: 1000000/s } }
  streamy:  { id: claude-test-stream, price: *p, latency: { ttft: 2s, outputRate: 100/s } }
  tiny:     { id: claude-test-tiny, price: *p, latency: { ttft: 10ms, outputRate: 1000/s }, limits: { rpm: 1 } }
  flaky:    { id: claude-test-flaky, price: *p }
  broken:   { id: claude-test-broken, price: *p }
  slow:     { id: claude-test-slow, price: *p, latency: { ttft: 5s }, timeout: 1s }
  narrow:   { id: claude-test-narrow, price: *p, contextWindow: 100 }
faults:
  - { model: flaky, at: 0s, for: 1h, errorRate: 100%, status: 529 }
  - { model: broken, at: 0s, for: 1h, errorRate: 100%, status: 500 }
`;
const r = parseScenario(YAML, 'mock-test.yaml');
if (!r.scenario) throw new Error(r.problems.map((p) => p.message).join('\n'));
const scenario: Scenario = r.scenario;

const SEED = 11;
const words = (s: string) => countTokens(s);
const client = (m: RunningMockProvider) => new Anthropic({ apiKey: 'test-key', baseURL: m.url, maxRetries: 0 });
const hello = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 1000, system: 'You are terse.', messages: [{ role: 'user' as const, content: 'hello there' }], ...extra });

async function caught(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof APIError) return e;
    throw e;
  }
  throw new Error('expected an API error');
}

let mock: RunningMockProvider;
let sdk: Anthropic;
beforeAll(async () => {
  mock = await startMockProvider({ scenario, seed: SEED, timeScale: 100, bodyLimitBytes: 100_000 });
  sdk = client(mock);
});
afterAll(() => mock.close());

describe('mock provider: answers', () => {
  it('answers a plain request with an Anthropic Message: text of output_tokens words, usage, request-id', async () => {
    const { data, response } = await sdk.messages.create(hello('claude-test-fast')).withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-test-fast', stop_reason: 'end_turn', stop_sequence: null });
    expect(data.id).toMatch(/^msg_/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(data.content).toHaveLength(1);
    const block = data.content[0]!;
    expect(block.type).toBe('text');
    // Below the cacheable minimum: every input word is uncached input (3 system + 2 user words).
    expect(data.usage).toMatchObject({ input_tokens: 5, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } });
    expect(words(block.type === 'text' ? block.text : '')).toBe(data.usage.output_tokens);
  });

  it('caps the output at max_tokens (stop_reason max_tokens) and accepts the model by scenario name and a Bearer key', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify(hello('fast', { max_tokens: 10 })) });
    expect(res.status).toBe(200);
    const m = (await res.json()) as Anthropic.Message;
    expect(m.stop_reason).toBe('max_tokens');
    expect(m.usage.output_tokens).toBe(10);
    expect(words((m.content[0] as Anthropic.TextBlock).text)).toBe(10);
  });

  // `__proto__` and `constructor` are legal JSON keys, and a client's tool input or input_schema may have them:
  // Fastify's default parser refused the whole body as "not valid JSON". They are kept as plain keys — a
  // tool_use input counts the same words whatever its key is called, so one stripped would count fewer — and
  // nothing is polluted (the mock shares this process).
  it('serves bodies with __proto__ or constructor keys, keeping them as plain keys', async () => {
    const send = async (body: string) => {
      const res = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(200);
      return JSON.parse(text) as Anthropic.Message;
    };
    const withToolInput = (key: string) =>
      `{"model":"claude-test-fast","max_tokens":10,"messages":[{"role":"user","content":"use it"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"lookup","input":{"${key}":"a b c d"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`;
    const kept = await send(withToolInput('__proto__'));
    const plain = await send(withToolInput('xxxxxxxxx'));
    expect(kept.usage.input_tokens).toBe(plain.usage.input_tokens);
    await send('{"model":"claude-test-fast","max_tokens":10,"messages":[{"role":"user","content":"x"}],"metadata":{"user_id":"u","__proto__":{"polluted":"yes"}},"tools":[{"name":"t","input_schema":{"type":"object","properties":{"__proto__":{"type":"string"}}}}]}');
    await send('{"model":"claude-test-fast","max_tokens":10,"messages":[{"role":"user","content":"x","constructor":{"prototype":{"polluted":"yes"}}}]}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('with the x-headroom-request header, reports exactly the usage ProviderModel.decide gives (prompt cache included)', async () => {
    const fresh = await startMockProvider({ scenario, seed: SEED, timeScale: 100 });
    try {
      const base = { model: 'fast', maxTokens: 1000, timeoutMs: scenario.models.fast!.timeout };
      const t1 = [segment('system', 2000), segment('s1/t1/u', 50)];
      const reqs: ProviderRequest[] = [
        { ...base, requestKey: 's1/t1/c1/a1', segments: t1, outputTokens: 30 },
        { ...base, requestKey: 's1/t2/c1/a1', segments: [...t1, segment('s1/t1/c1', 30), segment('s1/t2/u', 40)], outputTokens: 1200 },
      ];
      const reference = new ProviderModel(scenario, SEED);
      const c = client(fresh);
      for (const [i, req] of reqs.entries()) {
        const expected = reference.decide(req, i);
        if (!expected.result.ok) throw new Error('reference call failed');
        const m = await c.messages.create(hello('claude-test-fast'), { headers: { [REQUEST_HEADER]: encodeWireRequest(req) } });
        const u = expected.result.usage;
        expect(m.usage).toMatchObject({ input_tokens: u.inputTokens, output_tokens: u.outputTokens, cache_creation_input_tokens: u.cacheWrite5mTokens + u.cacheWrite1hTokens, cache_read_input_tokens: u.cacheReadTokens });
        expect(m.stop_reason).toBe(expected.result.stopReason);
        const text = (m.content[0] as Anthropic.TextBlock).text;
        expect(words(text)).toBe(u.outputTokens);
        expect(text.startsWith(`${req.requestKey}/answer `)).toBe(true);
      }
      // The second call read the first call's prefix from the provider's prompt cache.
      expect(fresh.stats()).toMatchObject({ withWireHeader: 2, usage: { cacheReadTokens: 2050, cacheWrite5mTokens: 2050 + 70 } });
    } finally {
      await fresh.close();
    }
  });

  it('compresses latency by the time scale: a 2 s TTFT at K=100 takes about 20 ms', async () => {
    const startedAt = performance.now();
    await sdk.messages.create(hello('claude-test-ttft'));
    const ms = performance.now() - startedAt;
    expect(ms).toBeGreaterThan(15);
    expect(ms).toBeLessThan(1000);
  });
});

describe('mock provider: streaming', () => {
  let slow: RunningMockProvider;
  beforeAll(async () => {
    slow = await startMockProvider({ scenario, seed: SEED, timeScale: 20 });
  });
  afterAll(() => slow.close());

  it('streams message_start (input usage), text deltas spread from TTFT to the end, message_delta (cumulative usage)', async () => {
    const startedAt = performance.now();
    const stream = await client(slow).messages.create({ ...hello('claude-test-stream'), stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    const deltaAt: number[] = [];
    let text = '';
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') {
        deltaAt.push(performance.now() - startedAt);
        text += e.delta.text;
      }
    }
    expect(events.map((e) => e.type).filter((t, i, a) => t !== a[i - 1])).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    const start = events[0] as Anthropic.RawMessageStartEvent;
    expect(start.message.usage).toMatchObject({ input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    const delta = events.find((e) => e.type === 'message_delta') as Anthropic.RawMessageDeltaEvent;
    expect(delta.delta.stop_reason).toBe('end_turn');
    expect(delta.usage).toMatchObject({ output_tokens: 100, input_tokens: 5 });
    expect(words(text)).toBe(100);
    expect(deltaAt).toHaveLength(5);
    // TTFT 2 s / 20 = 100 ms; generation 100 tokens at 100/s = 1 s / 20 = 50 ms more.
    expect(deltaAt[0]).toBeGreaterThan(85);
    expect(deltaAt[0]).toBeLessThan(1000);
    expect(deltaAt.at(-1)! - deltaAt[0]!).toBeGreaterThan(30); // 50 ms apart when sent; delivery may bunch them a little
  });

  it("accumulates into the SDK's final message with the full text and final usage", async () => {
    const s = client(slow).messages.stream(hello('claude-test-stream'));
    let streamed = '';
    s.on('text', (t) => (streamed += t));
    const m = await s.finalMessage();
    const text = (m.content[0] as Anthropic.TextBlock).text;
    expect(text).toBe(streamed);
    expect(words(text)).toBe(100);
    expect(m.usage).toMatchObject({ input_tokens: 5, output_tokens: 100, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(m.stop_reason).toBe('end_turn');
    expect(slow.stats().streamed).toBeGreaterThanOrEqual(2);
  });

  it('answers a failure decided for a streaming request with the HTTP error before any stream', async () => {
    const e = await caught(client(slow).messages.create({ ...hello('claude-test-flaky'), stream: true }));
    expect(e.status).toBe(529);
  });
});

describe('mock provider: failures', () => {
  it('429 rate_limit_error over the scenario RPM, with retry-after, retry-after-ms and ratelimit headers', async () => {
    await sdk.messages.create(hello('claude-test-tiny'));
    const e = await caught(sdk.messages.create(hello('claude-test-tiny')));
    expect(e).toBeInstanceOf(RateLimitError);
    expect(e.status).toBe(429);
    expect(e.type).toBe('rate_limit_error');
    expect(Number(e.headers!.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The provider model waits whole scenario seconds (≤ 60 s at 1 RPM); the wire carries them ÷ 100.
    const scenarioMs = Number(e.headers!.get('retry-after-ms')) * 100;
    expect(scenarioMs % 1000).toBe(0);
    expect(scenarioMs).toBeGreaterThan(0);
    expect(scenarioMs).toBeLessThanOrEqual(60_000);
    expect(e.headers!.get('anthropic-ratelimit-requests-limit')).toBe('1');
    expect(e.headers!.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(e.headers!.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('529 overloaded_error inside a fault window, with the Anthropic error body', async () => {
    const e = await caught(sdk.messages.create(hello('claude-test-flaky')));
    expect(e.status).toBe(529);
    expect(e.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: e.requestID });
    expect(e.requestID).toMatch(/^req_/);
  });

  it('500 api_error from a fault window; 504 timeout_error once the model timeout passes', async () => {
    const e500 = await caught(sdk.messages.create(hello('claude-test-broken')));
    expect([e500.status, e500.type]).toEqual([500, 'api_error']);
    const startedAt = performance.now();
    const e504 = await caught(sdk.messages.create(hello('claude-test-slow')));
    expect([e504.status, e504.type]).toEqual([504, 'timeout_error']);
    expect(performance.now() - startedAt).toBeGreaterThan(8); // held for the 1 s timeout ÷ 100
  });

  it('401 authentication_error without a key', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hello('claude-test-fast')) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });

  it('400 invalid_request_error naming the field', async () => {
    const e = await caught(sdk.messages.create({ ...hello('claude-test-fast'), max_tokens: 'x' as unknown as number }));
    expect([e.status, e.type]).toEqual([400, 'invalid_request_error']);
    expect(e.apiMessage).toMatch(/^max_tokens: /);
    const missing = await caught(sdk.messages.create({ model: 'claude-test-fast', max_tokens: 10 } as unknown as Anthropic.MessageCreateParamsNonStreaming));
    expect(missing.apiMessage).toBe('messages: Field required');
    const noText = await caught(sdk.messages.create({ ...hello('claude-test-fast'), messages: [{ role: 'user', content: [{ type: 'text' } as unknown as Anthropic.TextBlockParam] }] }));
    expect([noText.status, noText.apiMessage]).toEqual([400, 'messages.0.content.0.text: Field required']);
    const notText = await caught(sdk.messages.create({ ...hello('claude-test-fast'), messages: [{ role: 'user', content: [{ type: 'text', text: 5 } as unknown as Anthropic.TextBlockParam] }] }));
    expect([notText.status, notText.apiMessage]).toEqual([400, 'messages.0.content.0.text: must be string']);
  });

  it('400 invalid_request_error naming x-headroom-request when the header is malformed, never a 500 or usage of 1.5 tokens', async () => {
    const good: ProviderRequest = { model: 'fast', maxTokens: 1000, timeoutMs: 60_000, requestKey: 'wire/bad', segments: [segment('system', 20)], outputTokens: 5 };
    const raw = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    for (const header of [
      raw({ ...good, outputTokens: -5 }), // was a 500 (the limiter refused a negative cost)
      raw({ ...good, segments: [{ key: 'a', tokens: 1.5 }] }), // was a 200 with input_tokens 1.5
      raw({ ...good, outputTokens: 1e300 }),
      raw({ ...good, segments: 'x' }),
      'not base64 json',
    ]) {
      const e = await caught(sdk.messages.create(hello('claude-test-fast'), { headers: { [REQUEST_HEADER]: header } }));
      expect([e.status, e.type]).toEqual([400, 'invalid_request_error']);
      expect(e.apiMessage).toMatch(/^x-headroom-request: /);
    }
    const ok = await sdk.messages.create(hello('claude-test-fast'), { headers: { [REQUEST_HEADER]: encodeWireRequest(good) } });
    expect(ok.usage.output_tokens).toBe(5);
  });

  it("400 invalid_request_error for a max_tokens above the model's maximum output, as Anthropic words it", async () => {
    const yaml = `
name: mock-max-tokens
users: { dailyActive: 100, concurrencyRatio: 10% }
models:
  sonnet: { id: claude-sonnet-4-5, latency: { ttft: 1ms, outputRate: 1000000/s } }
  custom: { id: claude-test-custom, price: { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 1ms, outputRate: 1000000/s } }
`;
    const parsed = parseScenario(yaml, 'mock-max-tokens.yaml');
    const m = await startMockProvider({ scenario: parsed.scenario!, timeScale: 100 });
    // Over HTTP, not through the SDK: the SDK itself refuses a large max_tokens without streaming.
    const post = async (model: string, maxTokens: number) => {
      const res = await fetch(`${m.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: JSON.stringify(hello(model, { max_tokens: maxTokens })) });
      const body = (await res.json()) as { type: string; error?: { type: string; message: string } };
      return { status: res.status, type: body.error?.type ?? body.type, message: body.error?.message };
    };
    try {
      // claude-sonnet-4-5: 64,000 at most (the price catalog's maxOutput, from Anthropic's model page).
      expect(await post('claude-sonnet-4-5', 1_000_000)).toEqual({ status: 400, type: 'invalid_request_error', message: 'max_tokens: 1000000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5' });
      expect(await post('sonnet', 1e30)).toEqual({ status: 400, type: 'invalid_request_error', message: 'max_tokens: 1e+30 > 64000, which is the maximum allowed number of output tokens for sonnet' });
      // No published maximum for a custom id: its context window (200k by default) bounds it.
      const custom = await post('claude-test-custom', 1e30);
      expect([custom.status, custom.type]).toEqual([400, 'invalid_request_error']);
      expect(custom.message).toMatch(/^max_tokens: 1e\+30 > 200000, the context window of claude-test-custom/);
      for (const bad of [1.5, 0, -1]) {
        const e = await post('claude-sonnet-4-5', bad);
        expect([e.status, e.type], String(bad)).toEqual([400, 'invalid_request_error']);
        expect(e.message, String(bad)).toMatch(/^max_tokens: /);
      }
      expect(await post('claude-sonnet-4-5', 64_000)).toMatchObject({ status: 200, type: 'message' });
      expect(await post('claude-test-custom', 200_000)).toMatchObject({ status: 200, type: 'message' });
    } finally {
      await m.close();
    }
  });

  it('400 invalid_request_error for a prompt longer than the model\'s context window, as Anthropic words it', async () => {
    // max_tokens within the 100-token window: one above it is refused on its own (see above).
    const e = await caught(sdk.messages.create({ ...hello('claude-test-narrow', { max_tokens: 50 }), messages: [{ role: 'user', content: 'word '.repeat(300) }] }));
    expect([e.status, e.type]).toEqual([400, 'invalid_request_error']);
    expect(e.apiMessage).toMatch(/^prompt is too long: \d+ tokens > 100 maximum$/);
    const fits = await sdk.messages.create(hello('claude-test-narrow', { system: undefined, max_tokens: 50 }));
    expect(fits.type).toBe('message');
  });

  it('404 not_found_error for a model the scenario does not have', async () => {
    const e = await caught(sdk.messages.create(hello('claude-nope')));
    expect([e.status, e.type, e.apiMessage]).toEqual([404, 'not_found_error', 'model: claude-nope']);
  });

  it('413 request_too_large over the body limit', async () => {
    const e = await caught(sdk.messages.create({ ...hello('claude-test-fast'), messages: [{ role: 'user', content: 'word '.repeat(30_000) }] }));
    expect([e.status, e.type]).toEqual([413, 'request_too_large']);
  });
});

describe('mock provider: operations', () => {
  it('counts what it received and answered (stats() and GET /_headroom/stats); /healthz answers', async () => {
    const m = await startMockProvider({ scenario, seed: SEED, timeScale: 100 });
    try {
      const c = client(m);
      await c.messages.create(hello('claude-test-fast'));
      await caught(c.messages.create(hello('claude-nope')));
      await fetch(`${m.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect((await fetch(`${m.url}/healthz`)).status).toBe(200);
      const s = m.stats();
      expect(s).toMatchObject({ received: 3, byStatus: { 200: 1, 404: 1, 401: 1 }, streamed: 0, withWireHeader: 0, inFlight: 0, receivedPerMinute: [3], usage: { inputTokens: 5, outputTokens: 100 } });
      expect(await (await fetch(`${m.url}/_headroom/stats`)).json()).toEqual(s);
      m.reset();
      expect(m.stats().received).toBe(0);
    } finally {
      await m.close();
    }
  });

  it('close() lets an answer in flight finish, and drops one that outlasts the grace', async () => {
    const m = await startMockProvider({ scenario, seed: SEED, timeScale: 10, closeGraceMs: 150 });
    const c = client(m);
    const quick = c.messages.create(hello('claude-test-fast')); // 1 s TTFT ÷ 10 = 100 ms
    const long = c.messages.create({ ...hello('claude-test-ttft'), stream: true }).then(async (s) => {
      for await (const _ of s);
    }); // 2 s ÷ 10 = 200 ms > grace
    while (m.stats().inFlight < 2) await new Promise((r) => setTimeout(r, 2));
    const startedAt = performance.now();
    await m.close();
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect((await quick).usage.output_tokens).toBe(100);
    await expect(long).rejects.toBeInstanceOf(APIConnectionError);
    expect(m.stats().aborted).toBe(1);
  });
});

describe('headroom mock-provider (command)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'headroom-mock-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the URL, serves until stopped, then exits 0', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, YAML);
    let out = '';
    const sink = new Writable({ write: (chunk, _e, done) => ((out += String(chunk)), done()) });
    const stop = new AbortController();
    const running = mockProvider({ out: sink, err: sink, isTty: false }, { scenario: file, port: 0, host: '127.0.0.1', timeScale: 50, set: [], until: stop.signal });
    while (!/listening on (\S+)/.test(out)) await new Promise((r) => setTimeout(r, 5));
    const url = /listening on (\S+)/.exec(out)![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    stop.abort();
    expect(await running).toBe(0);
    expect(out).toContain('baseURL');
  });

  it('refuses a bad scenario with a located HeadroomError (exit code 2)', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'users: { dailyActive: -1 }\nmodels: {}\n');
    const io = { out: new Writable({ write: (_c, _e, d) => d() }), err: new Writable({ write: (_c, _e, d) => d() }), isTty: false };
    const e = await mockProvider(io, { scenario: file, port: 0, host: '127.0.0.1', timeScale: 1, set: [] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HeadroomError);
    expect((e as HeadroomError).exitCode).toBe(2);
    expect((e as HeadroomError).details.join('\n')).toMatch(/bad\.yaml:\d+:\d+/);
  });
});
