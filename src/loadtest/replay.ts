/**
 * Scenario replay against a live target (the runtime's turn API): the workload stream the simulator
 * planned — same seed, same sessions, turns, prompts, token sizes, think times — sent open-model.
 *
 * - Sessions start at their scheduled times (compressed by the time scale) whether or not earlier ones
 *   finished; within a session a turn is sent after the previous answer plus its think time.
 * - The target's latency is measured from the actual send: when the request got one of the generator's
 *   `connections` and went on the wire, once that connection was set up, as k6 (`http_req_duration`),
 *   Locust and GuideLLM measure it. The setup of a connection the pool opened (DNS, TCP, TLS) is timed
 *   apart (target-pool.ts), as k6's `http_req_connecting`: before, it was counted in the latency of the
 *   turn that opened it. What the generator itself added before the send is measured apart too: the lag
 *   of each send behind its intended time (up to the hand-off to the pool), and within it the wait for a
 *   connection (connection-slots.ts). Sends that leave later than `lagThresholdMs`, whatever held them,
 *   are counted as late, because a generator that falls behind gives the target less load than planned,
 *   and flattering figures. Before, the wait for a connection was counted as the target's latency and
 *   never as a late send (`--connections 1` against a target holding each turn 1 s: turn p95 7.7 s,
 *   "All SLOs met", exit 0).
 * - Each run has its own sessions on the target: session N of the workload is `/v1/sessions/<run id>.N`,
 *   with `plan.session: N` in every turn. The runtime stores a conversation and locks it by the URL's id,
 *   so a run never meets the conversations an earlier one left behind (interrupted, cut off at the drain,
 *   or given up after a failed turn) nor the locks of turns still running there; before, session N was
 *   `/v1/sessions/N` in every run, and a second run's first turns loaded the first run's histories (more
 *   input tokens than planned) or were refused 409. The runtime keys the pipeline by `plan.session`
 *   (`sN`, as the simulator does), so routing, request keys and every seeded draw ignore the run id.
 * - Every run is bounded: by the scenario duration (or `durationMs`), `maxSessions`, and a request
 *   timeout; targets outside loopback are refused unless allowed (see target.ts).
 * - An aborted `signal` (Ctrl-C) ends the run early: no session starts and no turn is sent after it,
 *   turns in flight are abandoned uncounted (they have no outcome), and what was measured is returned.
 * - The drain after the window (or the last arrival, if later) is bounded, like k6's `gracefulStop`:
 *   conversations still running may go on for `drainTimeoutMs` of wall time, then the turns in flight are
 *   cut off and counted as such (`Measurements.cutOffAtDrain`), not waited for and not dropped: every turn sent is
 *   answered, failed or cut off. Before, a target that held turns made the run wait for each request's
 *   own timeout (a 100 ms window ran 120 s, silently).
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Scenario } from '../scenario/schema.js';
import type { Report } from '../core/metrics/report.js';
import { textFor } from '../workload/text.js';
import { Workload } from '../workload/stream.js';
import type { Session, Turn } from '../workload/types.js';
import { Pricing } from '../core/pricing.js';
import { formatDuration } from '../scenario/units.js';
import { ConnectionSlots } from './connection-slots.js';
import { targetPool } from './target-pool.js';
import { Measurements, type TurnResult } from './measure.js';

export interface ReplayOptions {
  target: string;
  /** Scenario ms per real ms. */
  timeScale: number;
  seed: number;
  /** Scenario ms of arrivals (default: the scenario's duration). */
  durationMs?: number;
  maxSessions?: number;
  /**
   * The run's session namespace on the target: session N is `<runId>.N` (default: a fresh random id).
   * Distributed agents share their run's id. Figures do not depend on it.
   */
  runId?: string;
  /** Only sessions this returns true for (distributed agents split by session id). */
  owns?: (sessionId: number) => boolean;
  apiKey?: string;
  /** Stream turns (SSE) and measure TTFT at the client. */
  stream?: boolean;
  /** Turn requests on the wire at once (one per HTTP connection); the others wait, and the wait is measured. */
  connections?: number;
  /** Real ms before a turn request is abandoned. */
  requestTimeoutMs?: number;
  /** A send later than this (real ms) counts as falling behind. */
  lagThresholdMs?: number;
  onTurn?: (r: TurnResult) => void;
  /** Wall-clock start shared by distributed agents (epoch ms): every agent schedules from it. */
  startAtEpochMs?: number;
  /** Stops the run early (Ctrl-C); the result then has `interrupted: true`. */
  signal?: AbortSignal;
  /** Real ms the conversations still running after the window may take (default 60 s); then they are cut off. */
  drainTimeoutMs?: number;
  /** Called once when the drain begins, if anything is still running. */
  onDrain?: (d: DrainStart) => void;
  /** Counted as the run goes, for a caller to read meanwhile (a distributed agent's heartbeat reports it). */
  progress?: ReplayProgress;
}

/** What a replay has done so far, warm-up and drain included. */
export interface ReplayProgress {
  /** Conversations started. */
  sessions: number;
  /** Turn requests sent. */
  sends: number;
  /** Of those, answered (by the provider or the cache). */
  answered: number;
}

/** What is still running when the drain begins. */
export interface DrainStart {
  turnsInFlight: number;
  /** Conversations not finished (a turn in flight, or thinking before the next). */
  sessionsRunning: number;
  drainTimeoutMs: number;
}

/** The drain announcement, on stderr whether or not it is a terminal, so that a log shows why the run goes on. */
export const drainLine = (d: DrainStart): string =>
  `draining ${plural(d.turnsInFlight, 'turn')} in flight (${plural(d.sessionsRunning, 'conversation')} still running), up to ${formatDuration(d.drainTimeoutMs)} (--drain-timeout)`;

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** A send that leaves more than this many real ms after its intended time is late. */
export const DEFAULT_LAG_THRESHOLD_MS = 50;

/** HTTP connections to the target when the caller gives none (`--connections`). */
export const DEFAULT_CONNECTIONS = 128;

/** Real ms of drain when the caller gives none (k6's gracefulStop is 30 s; an agent's turns run longer than most HTTP iterations). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;

export interface ReplayResult {
  measurements: Measurements;
  sessions: number;
  wallMs: number;
  /** Real time the run covered, and the same in scenario time. */
  realDurationMs: number;
  scenarioDurationMs: number;
  /** The run was stopped by `signal` before its end. */
  interrupted?: boolean;
  /** Scenario ms per real ms the run replayed at (--time-scale). */
  timeScale?: number;
  /** The drain bound the run had (real ms); whether it was hit is in `measurements.cutOffAtDrain`. */
  drainTimeoutMs?: number;
  /** HTTP connections the generator had to the target (all agents'), and the lag that made a send late (real ms). */
  connections?: number;
  lagThresholdMs?: number;
  /** Distributed runs: the agents, and those lost mid-run (their share missing). */
  agents?: NonNullable<Report['run']['agents']>;
}

interface RuntimeAnswer {
  status?: TurnResult['status'];
  reason?: string;
  charges?: TurnResult['charges'];
  costNanos?: number;
  timings?: TurnResult['timings'];
  attempts?: number;
  retries?: number;
  fallbacks?: number;
  failures?: TurnResult['failures'];
  limiterWaitsBy?: TurnResult['limiterWaitsBy'];
  breakerRejections?: number;
  result?: RuntimeAnswer;
}

export async function replay(scenario: Scenario, o: ReplayOptions): Promise<ReplayResult> {
  const K = o.timeScale;
  const untilMs = o.durationMs ?? scenario.duration;
  const lagThreshold = o.lagThresholdMs ?? DEFAULT_LAG_THRESHOLD_MS;
  const m = new Measurements(K, scenario.warmup, untilMs, scenario.report.step, new Pricing(scenario), scenario.workers.mode === 'perSession');
  const connections = o.connections ?? DEFAULT_CONNECTIONS;
  // A request is handed to the pool only with a slot, so the pool always has a connection free for it.
  const slots = new ConnectionSlots(connections);
  const pool = targetPool(o.target, connections, (setupMs) => m.connected(setupMs));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const workload = new Workload(scenario, o.seed);
  const runId = o.runId ?? randomUUID();
  // Distributed agents share one start instant so their open-model schedules line up. An agent that
  // reaches it late still schedules from it, and its late sends say so (it used to start its own clock).
  const t0 = performance.now() + ((o.startAtEpochMs ?? Date.now()) - Date.now());
  if (o.startAtEpochMs !== undefined) await new Promise((r) => setTimeout(r, Math.max(0, o.startAtEpochMs! - Date.now())));
  /** Scenario ms since the start. */
  const now = () => (performance.now() - t0) * K;
  // Every sleeping session and request in flight listens for a stop — the caller's interruption, or the
  // end of the drain — so no listener limit (the caller's signal keeps its own).
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  if (o.signal?.aborted) stop.abort();
  else o.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const signal = stop.signal;
  /** The stop is the drain bound, not an interruption: what it abandons is counted as cut off. */
  let drainCut = false;
  /**
   * Waits until scenario time `scenarioMs`. No timer when it is already due (a timer would add ~1 ms);
   * re-checks after waking, because a timer with a fractional delay can fire a little early.
   */
  const sleepUntil = async (scenarioMs: number): Promise<void> => {
    for (let left = (scenarioMs - now()) / K; left > 0.05 && !signal.aborted; left = (scenarioMs - now()) / K) {
      await new Promise<void>((r) => {
        const wake = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', wake);
          r();
        };
        const t = setTimeout(wake, left);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  };
  const running = new Set<Promise<void>>();
  let sessions = 0;
  let inFlight = 0;
  // Sample in-flight turns and active sessions once a *scenario* second of the window, as the simulator
  // does: once a real second gave 2 or 3 samples of a 50 s window at 20×, and a Little's law error of
  // 30 %. The timer fires at most every 10 ms real; a second it skips takes the value it sees.
  const firstSampleS = Math.ceil(scenario.warmup / 1000);
  let nextSampleS = firstSampleS;
  const sampler = setInterval(() => {
    for (const t = now(); nextSampleS * 1000 <= t && m.inWindow(nextSampleS * 1000); nextSampleS++) m.sample(nextSampleS - firstSampleS, inFlight, running.size);
  }, Math.max(10, 1000 / K));

  /**
   * Sends a turn once it has a connection; undefined when the run was stopped while it waited for one
   * (never sent, like a turn whose time had not come).
   */
  const sendTurn = async (s: Session, turn: Turn, intendedAtMs: number): Promise<TurnResult | undefined> => {
    // Timed only when it has to wait: a free slot is taken synchronously, with no wait to count.
    let connectionWaitMs = 0;
    if (!slots.take()) {
      const readyAtMs = now();
      if (!(await slots.wait(signal))) return undefined;
      connectionWaitMs = (now() - readyAtMs) / K;
    }
    try {
      return await sendOnConnection(s, turn, intendedAtMs, connectionWaitMs);
    } finally {
      slots.release();
    }
  };

  /**
   * The request itself, on a connection of its own, after waiting `connectionWaitMs` (real) for it. The
   * generator's lag runs to the hand-off to the pool; the target's latency (and the turn's time in flight)
   * from when the request goes on the wire, after the setup of a connection the pool had to open, which
   * the pool times apart (target-pool.ts).
   */
  const sendOnConnection = async (s: Session, turn: Turn, intendedAtMs: number, connectionWaitMs: number): Promise<TurnResult> => {
    const handedAtMs = now();
    const lag = (handedAtMs - intendedAtMs) / K;
    m.sent(lag, lag > lagThreshold, connectionWaitMs);
    if (o.progress) o.progress.sends++;
    const body = {
      message: textFor(`s${s.id}/t${turn.index}/u`, turn.userTokens),
      priority: s.priority,
      end: turn.index === s.turns.length,
      ...(o.stream ? { stream: true } : {}),
      plan: {
        session: s.id,
        turn: turn.index,
        userTokens: turn.userTokens,
        promptKey: turn.promptKey,
        calls: turn.calls.map((c) => ({ outputTokens: c.outputTokens, toolLatencyMs: c.toolLatencyAfterMs, toolResultTokens: c.toolResultTokens })),
      },
    };
    /** When the request went on the wire; undefined until then, and for good if it failed before (no time at the target). */
    let sentAtMs: number | undefined;
    const onWire = () => {
      sentAtMs = now();
      inFlight++;
    };
    const base = (): TurnResult => {
      const endedAtMs = now();
      return { sessionId: s.id, turn: turn.index, intendedAtMs, sentAtMs: sentAtMs ?? endedAtMs, connectionWaitMs, endedAtMs, httpStatus: 0, status: 'failed', charges: [], costNanos: 0 };
    };
    try {
      const path = `/v1/sessions/${runId}.${s.id}/turns`;
      const timeoutMs = o.requestTimeoutMs ?? 120_000;
      const res = await pool.request({ path, method: 'POST', headers, body: JSON.stringify(body), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal }, onWire);
      let answer: RuntimeAnswer = {};
      let ttftMs: number | undefined;
      if (o.stream && res.statusCode === 200) {
        // SSE: first_token marks TTFT at the client; turn_end carries the result.
        let buf = '';
        for await (const chunk of res.body) {
          buf += chunk.toString();
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (ev === 'first_token' && ttftMs === undefined) ttftMs = now() - (sentAtMs ?? handedAtMs);
            if ((ev === 'turn_end' || ev === 'error') && data) answer = JSON.parse(data) as RuntimeAnswer;
          }
        }
      } else {
        const text = await res.body.text();
        try {
          answer = JSON.parse(text) as RuntimeAnswer;
        } catch {
          answer = {};
        }
      }
      const r = answer.result ?? answer;
      const ok = res.statusCode === 200 && (r.status === 'ok' || r.status === 'cache-hit');
      return {
        ...base(),
        httpStatus: res.statusCode,
        status: ok ? r.status! : r.status && r.status !== 'ok' && r.status !== 'cache-hit' ? r.status : 'failed',
        ...(r.reason ? { reason: r.reason } : ok ? {} : { reason: `http-${res.statusCode}` }),
        ...(ok ? {} : { errorClass: `http-${res.statusCode}` }),
        charges: r.charges ?? [],
        costNanos: r.costNanos ?? 0,
        ...(r.timings ? { timings: r.timings } : {}),
        ...(ttftMs !== undefined ? { ttftMs } : {}),
        ...(r.attempts !== undefined ? { attempts: r.attempts, retries: r.retries ?? 0, fallbacks: r.fallbacks ?? 0 } : {}),
        ...(r.failures ? { failures: r.failures } : {}),
        ...(r.limiterWaitsBy ? { limiterWaitsBy: r.limiterWaitsBy } : {}),
        ...(r.breakerRejections ? { breakerRejections: r.breakerRejections } : {}),
      };
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      const errorClass = /TIMEOUT/i.test(code) ? 'timeout' : 'connection';
      return { ...base(), errorClass, reason: errorClass };
    } finally {
      if (sentAtMs !== undefined) inFlight--;
    }
  };

  const runSession = async (s: Session): Promise<void> => {
    const inCohort = m.inWindow(s.startAtMs);
    if (inCohort) {
      m.sessionsStarted++;
      m.cohort.session();
    }
    let intended = s.startAtMs;
    let cost = 0;
    let completed = true;
    for (const turn of s.turns) {
      await sleepUntil(intended);
      if (signal.aborted) {
        // Cut short: not a conversation that ended; its later turns are never sent.
        if (drainCut) m.sessionsCutOffAtDrain++;
        return;
      }
      const r = await sendTurn(s, turn, intended);
      if (r === undefined) {
        // Stopped while it waited for a connection: never sent, as a turn whose time had not come.
        if (drainCut) m.sessionsCutOffAtDrain++;
        return;
      }
      if (signal.aborted && r.httpStatus === 0) {
        // Abandoned: by an interruption, uncounted (no outcome); by the drain bound, counted as cut off.
        if (drainCut) {
          m.cutOff(r);
          m.sessionsCutOffAtDrain++;
        }
        return;
      }
      m.record(r);
      if (o.progress && (r.status === 'ok' || r.status === 'cache-hit')) o.progress.answered++;
      if (inCohort) m.cohort.turn(r.status, r.charges);
      o.onTurn?.(r);
      cost += r.costNanos;
      if (r.status !== 'ok' && r.status !== 'cache-hit') {
        completed = false;
        break; // the user gives up, as in the simulator
      }
      intended = r.endedAtMs + turn.thinkTimeAfterMs;
    }
    m.sessionEnded(s.startAtMs, cost, s.turns.length, completed);
  };

  for (const s of workload.sessions({ untilMs, ...(o.owns ? { owns: o.owns } : {}) })) {
    if (o.maxSessions !== undefined && sessions >= o.maxSessions) break;
    // Open model: wait for the arrival time, never for earlier sessions.
    if (s.startAtMs > now()) await sleepUntil(s.startAtMs);
    if (signal.aborted) break;
    sessions++;
    if (o.progress) o.progress.sessions++;
    const p = runSession(s).finally(() => running.delete(p));
    running.add(p);
  }
  // The drain: conversations still running when the window is over (or at the last arrival, when that is
  // later) get `drainTimeoutMs` of wall time to finish; then what is left is cut off and counted.
  const drainTimeoutMs = o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (running.size > 0) await Promise.race([Promise.all(running), sleepUntil(untilMs)]);
  let bound: NodeJS.Timeout | undefined;
  if (running.size > 0 && !signal.aborted) {
    o.onDrain?.({ turnsInFlight: inFlight, sessionsRunning: running.size, drainTimeoutMs });
    bound = setTimeout(() => {
      if (signal.aborted) return; // interrupted first: that stop's rules apply
      drainCut = true;
      stop.abort();
    }, drainTimeoutMs);
  }
  await Promise.all(running);
  clearTimeout(bound);
  clearInterval(sampler);
  await pool.close();
  const wallMs = performance.now() - t0;
  return { measurements: m, sessions, wallMs, realDurationMs: wallMs, scenarioDurationMs: wallMs * K, timeScale: K, drainTimeoutMs, connections, lagThresholdMs: lagThreshold, ...(o.signal?.aborted ? { interrupted: true } : {}) };
}
