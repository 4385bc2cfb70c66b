/**
 * A gateway (`buildApp`) in front of a scripted provider, for app.inject tests (no network): one small
 * scenario (one model, short prompts), the runtime in memory, the provider a function of the request.
 */
import type { ProviderRequest, ProviderResult } from '../../src/core/provider-model.js';
import { buildApp, type App, type AppOptions } from '../../src/runtime/app.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { parseScenario } from '../../src/scenario/load.js';

const YAML = `
name: gateway-unit
seed: 3
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  tokens: { systemPrompt: 20, output: 40 }
models:
  sonnet: { id: claude-sonnet-4-6 }
`;

export type ScriptedCall = (req: ProviderRequest) => Promise<ProviderResult>;

/** The app over a runtime whose provider is `call`; the caller closes `app`. */
export async function scriptedGateway(call: ScriptedCall, opts: AppOptions = {}): Promise<App> {
  const r = parseScenario(YAML, 'gateway-unit.yaml');
  if (!r.scenario) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const rt = createRuntime({ scenario: r.scenario, provider: { call }, texts: new MemoryTextStore() });
  return buildApp(rt, opts);
}
