/**
 * The live runtime on real loopback HTTP, for integration tests: a mock Anthropic provider
 * (`startMockProvider`, port 0) + `createRuntime` + `buildApp` listening on port 0, the runtime
 * reaching the mock through the real `@anthropic-ai/sdk` adapter (AnthropicProvider in mock mode).
 * Plus the small HTTP and process utilities those tests share.
 *
 * Running the CLI as a child process: `dist/` is only as fresh as the last `npm run build` (and other
 * engineers change `src/` all the time), so `spawnHeadroom` runs the TypeScript sources through tsx's
 * loader — `node --import tsx --input-type=module -e "<import src/cli/entry.ts; runAndExit(argv)>"
 * -- <args>` — the same thing `bin/headroom.js` does with the compiled CLI. Node is spawned directly
 * (not `npx`), so a signal sent to the child reaches the CLI itself and not a wrapper; startup takes
 * about a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { deleteKeys } from './redis.js';
import type { ProviderRequest, ProviderResult } from '../../src/core/provider-model.js';
import { buildApp, type App, type AppOptions } from '../../src/runtime/app.js';
import { startMockProvider, type RunningMockProvider } from '../../src/runtime/mock-provider/server.js';
import { AnthropicProvider } from '../../src/runtime/providers/anthropic.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A scenario from YAML text; throws with every located problem when it is invalid. */
export function scenarioOf(yaml: string, file = 'test.yaml'): Scenario {
  const r = parseScenario(yaml, file);
  if (!r.scenario) throw new Error(r.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`).join('\n'));
  return r.scenario;
}

export interface RuntimeHarnessOptions {
  /** Scenario YAML text. */
  yaml: string;
  /** Scenario ms per real ms, for the mock and the runtime alike (default 100). */
  timeScale?: number;
  /** Keep shared state in Redis (127.0.0.1:6379) under a random prefix, deleted by close(). */
  redis?: boolean;
  /** buildApp options (apiKeys, clientRpm, …). */
  app?: AppOptions;
  /** Point the adapter here instead of at a mock (no mock is started): a closed port, say. */
  providerUrl?: string;
  /** Seed of the runtime and the mock (default: the scenario's). */
  seed?: number;
  /** Whether the adapter streams its calls to the provider (default true, as the adapter's). */
  stream?: boolean;
}

export interface RuntimeHarness {
  scenario: Scenario;
  /** The gateway's base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The mock provider, unless `providerUrl` was given. */
  mock: RunningMockProvider | undefined;
  runtime: Runtime;
  app: App;
  provider: AnthropicProvider;
  /** Redis key prefix, when `redis` is on. */
  prefix: string;
  /** Closes the gateway (draining), the adapter, the mock and Redis (deleting the test's keys). Idempotent. */
  close(): Promise<void>;
}


export async function startRuntime(o: RuntimeHarnessOptions): Promise<RuntimeHarness> {
  const scenario = scenarioOf(o.yaml);
  const timeScale = o.timeScale ?? 100;
  const seed = o.seed ?? scenario.seed;
  const prefix = `it-rt-${randomUUID().slice(0, 12)}`;
  const mock = o.providerUrl ? undefined : await startMockProvider({ scenario, seed, timeScale, port: 0, closeGraceMs: 200 });
  let redis: Redis | undefined;
  try {
    if (o.redis) {
      redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
      await redis.connect();
    }
    const texts = new MemoryTextStore();
    const provider = new AnthropicProvider({ baseURL: o.providerUrl ?? mock!.url, models: scenario.models, texts, mock: true, timeScale, ...(o.stream !== undefined ? { stream: o.stream } : {}) });
    const runtime = createRuntime({ scenario, provider, texts, ...(redis ? { redis } : {}), prefix, timeScale, seed });
    const app = await buildApp(runtime, o.app ?? {});
    const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        try {
          await app.app.close();
        } finally {
          provider.close();
          await mock?.close();
          if (redis) {
            await deleteKeys(redis, `*${prefix}*`).catch(() => undefined);
            redis.disconnect();
          }
        }
      })());
    return { scenario, url, mock, runtime, app, provider, prefix, close };
  } catch (e) {
    redis?.disconnect();
    await mock?.close();
    throw e;
  }
}

// ---- HTTP ---------------------------------------------------------------------------------------

/** A response body as tests read it: loose JSON, checked field by field with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface JsonResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  /** Real ms from send to the whole body. */
  ms: number;
}

/** One JSON request (fetch, loopback). `body` undefined sends none. */
export async function request<T = Json>(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<JsonResponse<T>> {
  const startedAt = performance.now();
  const headers: Record<string, string> = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
  const res = await fetch(url, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = text === '' ? undefined : JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T, ms: performance.now() - startedAt };
}

/** POST /v1/sessions/:id/turns. */
export function postTurn<T = Json>(base: string, sessionId: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  return request<T>(`${base}/v1/sessions/${sessionId}/turns`, { body, headers });
}

export interface SseEvent {
  event: string;
  data: Json;
  /** Real ms since the request was sent. */
  atMs: number;
}

/** POSTs `body` and reads the answer as server-sent events, timestamping each event on arrival. */
export async function postSse(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; events: SseEvent[] }> {
  const startedAt = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      events.push({ event, data: data === undefined ? undefined : JSON.parse(data), atMs: performance.now() - startedAt });
    }
  }
  return { status: res.status, headers: res.headers, events };
}

/** Polls `probe` until it returns something other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The value of a Prometheus sample line `name{labels} value` (labels matched as a substring). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? '').includes(labels)) return Number(m[3]);
  }
  return undefined;
}

/** Turns the runtime has finished, by its own count (GET /metrics). */
export async function turnsServed(rt: RuntimeHarness): Promise<number> {
  const text = await (await fetch(`${rt.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('headroom_turns_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/**
 * A small scenario named `name`: one model, 20 system-prompt and 10 output tokens (the runtime tests' slowProvider answers it).
 * `sonnet`: more of the model's options, as YAML flow-mapping entries (e.g. `limits: { otpm: 6000 }`).
 */
export function smallScenarioYaml(name: string, sonnet = ''): string {
  return `
name: ${name}
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  tokens: { systemPrompt: 20, output: 10 }
models:
  sonnet: { id: claude-sonnet-4-6${sonnet ? `, ${sonnet}` : ''} }
`;
}

/** Usage a test provider answers with: 5 input and 10 output tokens. */
export const SMALL_USAGE = { inputTokens: 5, outputTokens: 10, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };

/** A provider that answers SMALL_USAGE after `ms` real ms, counting its calls. */
export function slowProvider(ms: number): { calls: number; call: (req: ProviderRequest) => Promise<ProviderResult> } {
  const p = { calls: 0, call: async (_req: ProviderRequest): Promise<ProviderResult> => (p.calls++, await new Promise((r) => setTimeout(r, ms)), { ok: true, usage: SMALL_USAGE, ttftMs: ms, stopReason: 'end_turn' }) };
  return p;
}

/** A runtime instance without HTTP (its services are built on it directly) for scenario `yaml`, on `client` under key prefix `keys`. */
export function redisRuntime(yaml: string, client: Redis, provider: Pick<ReturnType<typeof slowProvider>, 'call'>, keys: string): Runtime {
  const r = parseScenario(yaml, 'test.yaml');
  if (!r.scenario) throw new Error(JSON.stringify(r.problems));
  return createRuntime({ scenario: r.scenario, provider, texts: new MemoryTextStore(), redis: client, prefix: keys });
}

// ---- the CLI as a child process -----------------------------------------------------------------

const ENTRY = `const { runAndExit } = await import(${JSON.stringify(pathToFileURL(resolve(REPO_ROOT, 'src/cli/entry.ts')).href)});
await runAndExit(process.argv.slice(1));`;

export interface HeadroomProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` on stdout; rejects on timeout or if the process exits first. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (a signal reads as 128 + its number… or -1); rejects on timeout. */
  exited(timeoutMs?: number): Promise<number>;
  /** SIGKILL if still running (for afterEach); the whole process group when it has its own. */
  kill(): void;
  /**
   * Sends `signal` to the process's own group — itself and the children it started — as a terminal does
   * on Ctrl-C. Only with `{ ownGroup: true }`.
   */
  signalGroup(signal: NodeJS.Signals): void;
}

/**
 * `headroom <args>` from the sources (see the module comment). `ownGroup` starts it in a process group
 * of its own (detached), so a test can signal it and its children together without signalling itself.
 */
export function spawnHeadroom(args: string[], env: NodeJS.ProcessEnv = {}, opts: { ownGroup?: boolean } = {}): HeadroomProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY, '--', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, HEADROOM_DEBUG: '', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.ownGroup ?? false,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (!opts.ownGroup) throw new Error('signalGroup needs spawnHeadroom(…, { ownGroup: true })');
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number>((res) => child.once('exit', (code, signal) => res(code ?? (signal ? -1 : 0))));
  const timeout = <T>(p: Promise<T>, ms: number, what: string) =>
    new Promise<T>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`)), ms);
      p.then((v) => (clearTimeout(t), res(v)), (e: unknown) => (clearTimeout(t), rej(e)));
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(re, timeoutMs = 20_000) {
      return timeout(
        new Promise<RegExpExecArray>((res, rej) => {
          const check = () => {
            const m = re.exec(out);
            if (m) {
              child.stdout!.off('data', check);
              res(m);
            }
          };
          child.stdout!.on('data', check);
          check();
          void exit.then((code) => rej(new Error(`headroom exited (${code}) before printing ${re}\nstdout:\n${out}\nstderr:\n${err}`)));
        }),
        timeoutMs,
        `${re} on stdout`,
      );
    },
    exited: (timeoutMs = 20_000) => timeout(exit, timeoutMs, 'the process to exit'),
    kill() {
      if (opts.ownGroup) signalGroup('SIGKILL');
      else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    signalGroup,
  };
}
