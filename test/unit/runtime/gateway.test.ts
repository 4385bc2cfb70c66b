/**
 * The gateway's routes in front of a scripted provider (app.inject, no network): what an HTTP client sees
 * when the provider answers, refuses or cuts an answer short, independent of the mock's own behaviour.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App, AppOptions } from '../../../src/runtime/app.js';
import { ProviderRequestError } from '../../../src/runtime/providers/errors.js';
import { scriptedGateway, type ScriptedCall as Call } from '../../helpers/gateway.js';

const usage = (outputTokens: number) => ({ inputTokens: 5, outputTokens, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 });

let open: App | undefined;
afterEach(async () => {
  await open?.app.close();
  open = undefined;
});

async function gateway(call: Call, opts: AppOptions = {}): Promise<App> {
  open = await scriptedGateway(call, opts);
  return open;
}

const refused: Call = async () => {
  throw new ProviderRequestError({ status: 404, type: 'not_found_error', providerMessage: 'model: claude-sonnet-4-6', requestId: 'req_abc', model: 'sonnet' });
};

describe('gateway: a provider that refuses the request', () => {
  it('answers a turn with 502 naming the provider status, type and request id, not a 500', async () => {
    const { app } = await gateway(refused);
    const res = await app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', payload: { message: 'hello' } });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: { type: 'provider_error', reason: 'not_found_error' } });
    expect(res.json().error.message).toContain('404');
    expect(res.json().error.message).toContain('req_abc');
  });

  it('answers the pass-through and a streamed turn the same way', async () => {
    const { app } = await gateway(refused);
    const msg = await app.inject({ method: 'POST', url: '/v1/messages', payload: { model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
    expect(msg.statusCode).toBe(502);
    // In Anthropic's shape on the pass-through (api_error), the provider's own type as the reason.
    expect(msg.json()).toMatchObject({ type: 'error', error: { type: 'api_error', reason: 'not_found_error' } });
    const sse = await app.inject({ method: 'POST', url: '/v1/sessions/s2/turns', payload: { message: 'hello', stream: true } });
    expect(sse.body).toContain('event: error');
    expect(sse.body).toContain('"type":"provider_error"');
  });
});

const PARIS = 'Paris is the capital of France.';
const answers = (text: string, stopReason: 'end_turn' | 'max_tokens' = 'end_turn'): Call => async () => ({ ok: true, usage: usage(text.split(' ').length), ttftMs: 5, stopReason, text });
const ask = (extra: Record<string, unknown> = {}) => ({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'What is the capital of France?' }], ...extra });

describe('gateway: the Anthropic pass-through answers with what the provider said', () => {
  it("returns the provider's text, as JSON and as a stream", async () => {
    const { app } = await gateway(answers(PARIS));
    const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask() });
    expect(res.statusCode).toBe(200);
    expect(res.json().content).toEqual([{ type: 'text', text: PARIS }]);
    const sse = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ stream: true, messages: [{ role: 'user', content: 'And of Italy?' }] }) });
    expect(sse.body).toContain(`"delta":{"type":"text_delta","text":"${PARIS}"}`);
  });

  it('says stop_reason max_tokens when the answer was cut at max_tokens, by the gateway or by the provider', async () => {
    // The scenario plans 40 output tokens: with max_tokens 10 the gateway asks for 10, a cut answer.
    const { app } = await gateway(answers(PARIS));
    const cut = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 10 }) });
    expect(cut.json()).toMatchObject({ stop_reason: 'max_tokens' });
    const cutStream = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'And of Spain?' }] }) });
    expect(cutStream.body).toContain('"delta":{"stop_reason":"max_tokens"');
    const whole = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ messages: [{ role: 'user', content: 'And of Peru?' }] }) });
    expect(whole.json()).toMatchObject({ stop_reason: 'end_turn' });
    await open!.app.close();

    const { app: cutting } = await gateway(answers(PARIS, 'max_tokens'));
    const byProvider = await cutting.inject({ method: 'POST', url: '/v1/messages', payload: ask() });
    expect(byProvider.json()).toMatchObject({ stop_reason: 'max_tokens' });
  });

  it("streams cumulative usage in message_delta (input and cache counts too), as Anthropic's stream does", async () => {
    const { app } = await gateway(answers(PARIS));
    const sse = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ stream: true }) });
    const frame = sse.body.split('\n\n').find((f) => f.startsWith('event: message_delta'))!;
    const delta = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { usage: Record<string, number> };
    expect(delta.usage).toEqual({ input_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 6 });
  });

  it('sends the request id in a request-id header, as Anthropic does, matching the error body', async () => {
    const { app } = await gateway(answers(PARIS));
    const ok = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask() });
    expect(ok.headers['request-id']).toMatch(/^req_/);
    const bad = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }) });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['request-id']).toBe(bad.json().request_id);
  });
});

describe('gateway: every error of the pass-through is Anthropic-shaped', () => {
  it('schema, JSON, API-key and provider refusals alike: {type: "error", error: {type, message}, request_id}', async () => {
    const { app } = await gateway(refused, { apiKeys: ['k'] });
    const auth = { authorization: 'Bearer k' };
    const cases = [
      { res: await app.inject({ method: 'POST', url: '/v1/messages', headers: auth, payload: ask({ max_tokens: 0 }) }), status: 400, type: 'invalid_request_error', field: 'body.max_tokens' },
      { res: await app.inject({ method: 'POST', url: '/v1/messages', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"model":' }), status: 400, type: 'invalid_request_error', field: 'body' },
      { res: await app.inject({ method: 'POST', url: '/v1/messages', payload: ask() }), status: 401, type: 'authentication_error' },
      { res: await app.inject({ method: 'POST', url: '/v1/messages', headers: auth, payload: ask() }), status: 502, type: 'api_error' },
    ];
    for (const c of cases) {
      expect(c.res.statusCode).toBe(c.status);
      const body = c.res.json();
      expect(body, c.res.body).toMatchObject({ type: 'error', error: { type: c.type }, request_id: c.res.headers['request-id'] });
      expect(body.error.message.length).toBeGreaterThan(0);
      if (c.field) expect(body.error.field).toBe(c.field);
    }
    // The turn routes keep the runtime's own shape.
    const turn = await app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', payload: { message: 'hi' } });
    expect(turn.json()).toEqual({ error: expect.objectContaining({ type: 'unauthorized' }) });
  });
});

describe('gateway: ending a session', () => {
  it('answers 409 while a turn of it runs, then 204', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let called!: () => void;
    const calling = new Promise<void>((r) => (called = r));
    const { app } = await gateway(async () => (called(), await held, { ok: true, usage: usage(3), ttftMs: 5, stopReason: 'end_turn', text: 'done' }));
    const turn = app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', payload: { message: 'hello' } });
    await calling; // the turn holds its session and waits on the provider (not a fixed sleep: a busy machine is slower)
    const busy = await app.inject({ method: 'DELETE', url: '/v1/sessions/s1' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ error: { type: 'conflict' } });
    release();
    expect((await turn).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/v1/sessions/s1' })).statusCode).toBe(204);
  });
});

describe("gateway: the client's max_tokens", () => {
  it('is what the provider is asked for on the pass-through; a turn asks for the model\'s', async () => {
    const asked: number[] = [];
    const { app } = await gateway(async (req) => {
      asked.push(req.maxTokens);
      return { ok: true, usage: usage(3), ttftMs: 5, stopReason: 'end_turn', text: 'three short words' };
    });
    await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 10 }) });
    await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 50_000, messages: [{ role: 'user', content: 'And of Peru?' }] }) });
    await app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', payload: { message: 'hello' } });
    // 10 as asked; 50,000 is above the model's maxTokens (the scenario's default, 4,096), which bounds it.
    expect(asked).toEqual([10, 4096, 4096]);
  });
});

describe("gateway: a max_tokens above the model's maximum output", () => {
  it('is refused 400 invalid_request_error naming max_tokens, as Anthropic words it; at the maximum it is served', async () => {
    let calls = 0;
    const { app } = await gateway(async (req) => (calls++, answers(PARIS)(req)));
    // claude-sonnet-4-6: 128,000 output tokens at most (the price catalog's maxOutput, with its source).
    const over = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 200_000 }) });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', field: 'body.max_tokens', message: 'max_tokens: 200000 > 128000, which is the maximum allowed number of output tokens for sonnet' } });
    // A model the gateway routes: refused when no scenario model accepts that much.
    const routed = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ model: 'claude-elsewhere', max_tokens: 128_001 }) });
    expect(routed.statusCode).toBe(400);
    expect(routed.json().error).toMatchObject({ type: 'invalid_request_error', field: 'body.max_tokens' });
    expect(routed.json().error.message).toMatch(/^max_tokens: 128001 > 128000, .*claude-elsewhere/);
    expect(calls).toBe(0);
    // Absurd values are refused by the body schema, naming the field, never a 500.
    for (const bad of [1e30, 1.5, 0, -3, '100']) {
      const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: bad }) });
      expect(res.statusCode, String(bad)).toBe(400);
      expect(res.json().error, String(bad)).toMatchObject({ type: 'invalid_request_error', field: 'body.max_tokens' });
    }
    const atMax = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 128_000 }) });
    expect(atMax.statusCode).toBe(200);
    expect(calls).toBe(1);
  });
});

describe('gateway: the pass-through response cache', () => {
  it('does not answer a request from the cached answer of one with a larger max_tokens', async () => {
    let calls = 0;
    const { app } = await gateway(async (req) => {
      calls++;
      return { ok: true, usage: usage(req.outputTokens), ttftMs: 5, stopReason: 'end_turn', text: Array.from({ length: req.outputTokens }, () => 'word').join(' ') };
    });
    const long = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 100 }) });
    expect(long.json().usage.output_tokens).toBe(40);
    const short = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 5 }) });
    const text = short.json().content[0].text as string;
    expect(text.split(' ').length).toBeLessThanOrEqual(5);
    expect(calls).toBe(2);
    // The same request again is still a hit, and answers with the provider's text, not filler.
    const again = await app.inject({ method: 'POST', url: '/v1/messages', payload: ask({ max_tokens: 5 }) });
    expect(again.headers['x-headroom-cache']).toBe('hit');
    expect(again.json().content[0].text).toBe(text);
  });
});

describe('gateway: shutdown', () => {
  it('runs the async turns it accepted before closing, even those no consumer had claimed yet (memory state)', async () => {
    const slow: Call = async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return answers(PARIS)(req);
    };
    const g = await gateway(slow, { taskConsumers: 1 });
    await g.app.ready();
    const ids: string[] = [];
    for (const s of ['a', 'b', 'c']) {
      const res = await g.app.inject({ method: 'POST', url: `/v1/sessions/${s}/turns`, payload: { message: 'later', async: true } });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().taskId as string);
    }
    await g.app.close();
    open = undefined;
    for (const id of ids) expect((await g.tasks.get(id))?.status).toBe('done');
  });
});
