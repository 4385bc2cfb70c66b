/**
 * `headroom mock-provider --scenario FILE`: serve the scenario's provider (latency, limits, faults, prompt
 * caching) as an Anthropic-compatible endpoint until SIGINT / SIGTERM. A bad scenario throws the loader's
 * HeadroomError (located problems, exit 2); a port in use is a bad argument (exit 2).
 */
import { ExitCode } from '../../errors.js';
import { startMockProvider, type RunningMockProvider } from '../../runtime/mock-provider/server.js';
import { loadScenario } from '../../scenario/load.js';
import { listenOn, rangeArg } from '../options.js';
import { line, type Io } from '../output.js';

/** Parsed `headroom mock-provider` arguments. */
export interface MockProviderCommandOptions {
  scenario: string;
  port: number;
  host: string;
  timeScale: number;
  seed?: number;
  set: string[];
  /** Stops the server when aborted (tests); by default SIGINT or SIGTERM does. */
  until?: AbortSignal;
}

function untilSignalled(until: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (until) {
      if (until.aborted) resolve();
      until.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function listen(opts: MockProviderCommandOptions, scenario: Awaited<ReturnType<typeof loadScenario>>): Promise<RunningMockProvider> {
  return listenOn(opts.host, opts.port, () => startMockProvider({ scenario, port: opts.port, host: opts.host, timeScale: opts.timeScale, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }));
}

/** Runs the mock until stopped; resolves to the exit code (0), throws a HeadroomError for bad input. */
export async function mockProvider(io: Io, opts: MockProviderCommandOptions): Promise<number> {
  rangeArg(opts.timeScale, '--time-scale', { above: 0 });
  rangeArg(opts.port, '--port', { whole: true, min: 0, max: 65535 });
  const scenario = await loadScenario(opts.scenario, { overrides: opts.set });
  const mock = await listen(opts, scenario);

  const models = Object.entries(scenario.models).map(([name, m]) => `${name} (${m.id})`).join(', ');
  line(io, `mock provider for ${scenario.name} listening on ${mock.url}  (time scale ${opts.timeScale}×; models: ${models})`);
  line(io, `  Anthropic SDK:   new Anthropic({ apiKey: 'any', baseURL: '${mock.url}' })   or  ANTHROPIC_BASE_URL=${mock.url}`);
  line(io, `  curl:            curl ${mock.url}/v1/messages -H 'x-api-key: any' -H 'content-type: application/json' -d '{"model":"${Object.values(scenario.models)[0]!.id}","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}'`);
  line(io, `  Headroom runtime: use ${mock.url} as the mock provider's base URL, with the same time scale (${opts.timeScale})`);
  line(io, `  stats:           ${mock.url}/_headroom/stats   (reset: POST ${mock.url}/_headroom/reset)`);
  line(io, 'Ctrl-C stops it.');

  await untilSignalled(opts.until);
  await mock.close();
  const s = mock.stats();
  line(io, `stopped after ${s.received} request(s): ${Object.entries(s.byStatus).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none answered'}`);
  return ExitCode.ok;
}
