/**
 * Distributed load generation through Redis: a coordinator posts a run (scenario text, target, time
 * scale, seed, a shared start instant) and N agents — separate processes, here or on other load
 * machines — each take an index, replay the sessions whose id ≡ index (mod N), and push their
 * measurements (encoded HDR histograms and counters) back; the coordinator merges them into one.
 *
 * Keys: `hr:lt:jobs` (a list of run ids, one entry per agent wanted), `hr:lt:run:<id>:{job,index,results}`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseScenario } from '../scenario/load.js';
import { ErrorCode, HeadroomError } from '../errors.js';
import { Pricing } from '../core/pricing.js';
import { Measurements, type MeasurementsJSON } from './measure.js';
import { drainLine, replay, type ReplayResult } from './replay.js';

export interface RunSpec {
  runId: string;
  /** The scenario file's text and name (agents may not share a file system). */
  scenarioText: string;
  scenarioFile: string;
  overrides: string[];
  target: string;
  timeScale: number;
  seed: number;
  agents: number;
  startAtEpochMs: number;
  stream: boolean;
  connections: number;
  /** Real ms each agent's drain may take after the last arrival (`--drain-timeout`). */
  drainTimeoutMs: number;
  apiKey?: string;
}

const JOBS = 'hr:lt:jobs';
const key = (runId: string, part: string) => `hr:lt:run:${runId}:${part}`;
const RUN_TTL_S = 86_400;

function scenarioOf(spec: RunSpec) {
  const r = parseScenario(spec.scenarioText, spec.scenarioFile, { overrides: spec.overrides });
  if (!r.scenario) throw new HeadroomError(ErrorCode.scenarioInvalid, `${spec.scenarioFile}: the scenario of run ${spec.runId} is invalid`);
  return r.scenario;
}

/** Posts a run for `spec.agents` agents; returns its id. */
export async function postRun(redis: Redis, spec: Omit<RunSpec, 'runId'>): Promise<RunSpec> {
  const full: RunSpec = { ...spec, runId: randomUUID() };
  await redis.set(key(full.runId, 'job'), JSON.stringify(full), 'EX', RUN_TTL_S);
  await redis.rpush(JOBS, ...Array.from({ length: spec.agents }, () => full.runId));
  return full;
}

/** Waits for every agent's measurements and merges them. */
export async function collectRun(redis: Redis, spec: RunSpec, timeoutMs: number): Promise<{ measurements: Measurements; wallMs: number; sessions: number }> {
  const s = scenarioOf(spec);
  const merged = new Measurements(spec.timeScale, s.warmup, s.duration, s.report.step, new Pricing(s), s.workers.mode === 'perSession');
  let wallMs = 0;
  let sessions = 0;
  const deadline = Date.now() + timeoutMs;
  for (let got = 0; got < spec.agents; got++) {
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const item = await redis.blpop(key(spec.runId, 'results'), left);
    if (!item) throw new HeadroomError(ErrorCode.internal, `distributed load test: only ${got} of ${spec.agents} agents reported within ${Math.round(timeoutMs / 1000)} s`, { hint: 'start agents with `headroom loadtest agent --redis URL`, or use --agents N to spawn them here' });
    const r = JSON.parse(item[1]) as { measurements: MeasurementsJSON; wallMs: number; sessions: number };
    merged.mergeFrom(r.measurements);
    wallMs = Math.max(wallMs, r.wallMs);
    sessions += r.sessions;
  }
  await redis.del(key(spec.runId, 'job'), key(spec.runId, 'index'), key(spec.runId, 'results'));
  return { measurements: merged, wallMs, sessions };
}

/**
 * An agent: takes one run (waiting up to `waitMs`), replays its share and reports. False if none came.
 * `log` gets the lines a user should see (the drain announcement).
 */
export async function runAgentOnce(redis: Redis, waitMs: number, log: (line: string) => void = () => undefined): Promise<boolean> {
  const item = await redis.blpop(JOBS, Math.max(1, Math.ceil(waitMs / 1000)));
  if (!item) return false;
  const raw = await redis.get(key(item[1], 'job'));
  if (!raw) return true; // the run expired or was collected
  const spec = JSON.parse(raw) as RunSpec;
  const index = (await redis.incr(key(spec.runId, 'index'))) - 1;
  await redis.expire(key(spec.runId, 'index'), RUN_TTL_S);
  const s = scenarioOf(spec);
  const r: ReplayResult = await replay(s, {
    target: spec.target,
    timeScale: spec.timeScale,
    seed: spec.seed,
    owns: (id) => id % spec.agents === index,
    startAtEpochMs: spec.startAtEpochMs,
    stream: spec.stream,
    connections: spec.connections,
    drainTimeoutMs: spec.drainTimeoutMs,
    onDrain: (d) => log(`agent ${index + 1}/${spec.agents}: ${drainLine(d)}`),
    ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
  });
  await redis.rpush(key(spec.runId, 'results'), JSON.stringify({ measurements: r.measurements.toJSON(), wallMs: r.wallMs, sessions: r.sessions, index }));
  await redis.expire(key(spec.runId, 'results'), RUN_TTL_S);
  return true;
}
