/**
 * The gateway's routes in front of a scripted provider (app.inject, no network): what an HTTP client sees
 * when the provider answers, refuses or cuts an answer short, independent of the mock's own behaviour.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderRequest, ProviderResult } from '../../../src/core/provider-model.js';
import { buildApp, type App } from '../../../src/runtime/app.js';
import { ProviderRequestError } from '../../../src/runtime/providers/errors.js';
import { MemoryTextStore } from '../../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../../src/runtime/runtime.js';
import { parseScenario } from '../../../src/scenario/load.js';

const YAML = `
name: gateway-unit
seed: 3
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  tokens: { systemPrompt: 20, output: 40 }
models:
  sonnet: { id: claude-sonnet-4-6 }
`;

type Call = (req: ProviderRequest) => Promise<ProviderResult>;

const usage = (outputTokens: number) => ({ inputTokens: 5, outputTokens, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 });

let open: App | undefined;
afterEach(async () => {
  await open?.app.close();
  open = undefined;
});

async function gateway(call: Call): Promise<App> {
  const r = parseScenario(YAML, 'gateway-unit.yaml');
  if (!r.scenario) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const rt = createRuntime({ scenario: r.scenario, provider: { call }, texts: new MemoryTextStore() });
  open = await buildApp(rt);
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
    expect(msg.json()).toMatchObject({ error: { type: 'provider_error' } });
    const sse = await app.inject({ method: 'POST', url: '/v1/sessions/s2/turns', payload: { message: 'hello', stream: true } });
    expect(sse.body).toContain('event: error');
    expect(sse.body).toContain('"type":"provider_error"');
  });
});
