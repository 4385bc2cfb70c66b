/**
 * `headroom serve`: the runtime on HTTP. Memory state by default; `--redis URL` shares limiter, cache,
 * sessions, async tasks and cost counters with other instances. SIGTERM/SIGINT drain: the instance
 * refuses new work (readyz and turns → 503) while it listens on for the requests in flight, finishes
 * them within `--drain-timeout`, then exits.
 */
import { Redis } from 'ioredis';
import { ErrorCode, ExitCode, HeadroomError } from '../../errors.js';
import { buildApp } from '../../runtime/app.js';
import { AnthropicProvider } from '../../runtime/providers/anthropic.js';
import { MemoryTextStore } from '../../runtime/providers/text-store.js';
import { createRuntime } from '../../runtime/runtime.js';
import { loadScenario } from '../../scenario/load.js';
import { durationArg, httpUrlArg, listenOn, MAX_TIMER_MS, rangeArg } from '../options.js';
import { line, warnTo, type Io } from '../output.js';

export interface ServeOptions {
  scenario: string;
  provider: 'mock' | 'anthropic';
  providerUrl?: string;
  port: number;
  host: string;
  redis?: string;
  prefix: string;
  workers?: number;
  concurrency?: number;
  timeScale: number;
  apiKeys: string[];
  clientRpm?: number;
  reclaimAfter: string;
  drainTimeout: string;
  set: string[];
  logLevel: string;
  instanceId?: string;
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // Without a listener ioredis prints "Unhandled error event" with a stack trace on every failed
  // (re)connect; the connect error it keeps is the one worth reporting ("connect ECONNREFUSED …"),
  // not connect()'s own "Connection is closed.".
  let lastError: Error | undefined;
  redis.on('error', (e: Error) => (lastError = e));
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new HeadroomError(ErrorCode.redisUnavailable, `cannot reach Redis at ${url}: ${(lastError ?? (e as Error)).message}`, { hint: 'start one with `redis-server --port 6379` or drop --redis to keep state in memory' });
  }
  return redis;
}

/** The flags' ranges, checked before the scenario is read or anything listens (the scenario's own bounds for workers). */
function checkOptions(o: ServeOptions): void {
  rangeArg(o.port, '--port', { whole: true, min: 0, max: 65535 });
  if (o.workers !== undefined) rangeArg(o.workers, '--workers', { whole: true, min: 1, max: 100_000 });
  if (o.concurrency !== undefined) rangeArg(o.concurrency, '--concurrency', { whole: true, min: 1, max: 100_000 });
  rangeArg(o.timeScale, '--time-scale', { above: 0 });
  if (o.clientRpm !== undefined) rangeArg(o.clientRpm, '--client-rpm', { above: 0 });
  if (o.providerUrl !== undefined) httpUrlArg(o.providerUrl, '--provider-url');
}

export async function serve(io: Io, o: ServeOptions): Promise<number> {
  checkOptions(o);
  // Above 0: at 0 every instance would take over every other's tasks while they run.
  const reclaimAfterMs = durationArg(o.reclaimAfter, '--reclaim-after', { positive: true, maxMs: MAX_TIMER_MS });
  const drainMs = durationArg(o.drainTimeout, '--drain-timeout', { maxMs: MAX_TIMER_MS });
  const scenario = await loadScenario(o.scenario, { overrides: o.set, onWarning: warnTo(io) });
  if (o.provider === 'mock' && !o.providerUrl)
    throw new HeadroomError(ErrorCode.badArgument, '--provider mock needs --provider-url (start one with `headroom mock-provider --scenario FILE`)');
  const texts = new MemoryTextStore();
  const provider = new AnthropicProvider({
    ...(o.providerUrl ? { baseURL: o.providerUrl } : {}),
    models: scenario.models,
    texts,
    mock: o.provider === 'mock',
    timeScale: o.timeScale,
  });
  const redis = o.redis ? await connectRedis(o.redis) : undefined;
  const rt = createRuntime({
    scenario,
    provider,
    texts,
    ...(redis ? { redis } : {}),
    prefix: o.prefix,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    timeScale: o.timeScale,
    processMetrics: true,
  });
  const { app, requestsInFlight } = await buildApp(rt, {
    logger: { level: o.logLevel, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
    apiKeys: o.apiKeys,
    ...(o.clientRpm !== undefined ? { clientRpm: o.clientRpm } : {}),
    reclaimAfterMs,
    ...(o.instanceId ? { instanceId: o.instanceId } : {}),
  });
  const address = await listenOn(o.host, o.port, () => app.listen({ port: o.port, host: o.host })).catch(async (e: unknown) => {
    // Nothing will serve: let go of what was opened for it (Redis, the provider's connections, timers).
    await app.close();
    provider.close();
    redis?.disconnect();
    throw e;
  });
  line(io, `headroom runtime listening on ${address} (scenario ${scenario.name}, ${rt.slots} slots, provider ${o.provider}${o.providerUrl ? ` at ${o.providerUrl}` : ''}, state in ${redis ? 'Redis' : 'memory'})`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      rt.draining = true;
      line(io, `${signal}: draining (up to ${drainMs} ms)…`);
      const deadline = setTimeout(() => {
        line(io, 'drain deadline passed; exiting with work in flight');
        resolve(ExitCode.internal);
      }, drainMs);
      deadline.unref();
      // Listening on while requests are in flight: new work and readiness probes get 503 (load balancers
      // take the instance out), rather than connection refused; then close, which also lets the async
      // tasks already running finish.
      untilNoRequests(requestsInFlight)
        .then(() => app.close())
        .then(async () => {
          provider.close();
          redis?.disconnect();
          clearTimeout(deadline);
          line(io, 'drained; bye');
          resolve(ExitCode.ok);
        })
        .catch(() => resolve(ExitCode.internal));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Resolves once no HTTP request is in flight (checked every 25 ms); the drain deadline bounds the wait. */
function untilNoRequests(inFlight: () => number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (inFlight() === 0 ? resolve() : setTimeout(check, 25).unref());
    check();
  });
}
