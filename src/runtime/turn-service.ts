/**
 * One conversation turn over HTTP: lock the session, restore its conversation, run the shared pipeline
 * with the real-time interpreter, store the conversation, and answer with usage and cost.
 *
 * A load tester replaying a workload sends the turn's plan (user tokens, prompt key, each call's
 * output tokens, tool time and tool-result tokens), so the live turn is the simulated turn; a plain
 * client sends a message and the runtime fills in the rest (tokens counted, output drawn from the
 * scenario, deterministically per session and turn).
 */
import { Conversation } from '../core/context.js';
import { runRealtime } from '../core/pipeline/realtime-interpreter.js';
import { totalUsage, turnPipeline, type TurnOutcome, type TurnPlan } from '../core/pipeline/turn.js';
import type { Usage } from '../core/types.js';
import { compileSampler } from '../scenario/distributions.js';
import { hashString, Rng } from '../scenario/rng.js';
import { countTokens, textFor } from '../workload/text.js';
import { watchLock } from './lock-watch.js';
import { SESSION_LOCK_LOST } from './sessions.js';
import type { Runtime } from './runtime.js';


export interface PlannedCall {
  outputTokens: number;
  toolLatencyMs?: number;
  toolResultTokens?: number;
}

export interface TurnBody {
  message?: string;
  priority?: string;
  stream?: boolean;
  async?: boolean;
  /** The conversation ends with this turn (per-session workers release their slot). */
  end?: boolean;
  /**
   * A workload turn to reproduce exactly (a load tester's replay). `session`: the workload session it
   * belongs to — the pipeline keys the conversation by it (see `pipelineKeyOf`), not by the URL's id.
   */
  plan?: { session?: number; turn?: number; userTokens?: number; promptKey?: string; calls?: PlannedCall[] };
}

export interface TurnResponse {
  sessionId: string;
  turn: number;
  status: TurnOutcome['status'];
  reason?: string;
  answer?: string;
  model?: string;
  usage: Usage;
  costNanos: number;
  costUsd: number;
  /** Each provider call that was billed: model, usage and cost (a turn's calls may use several models). */
  charges: { model: string; usage: Usage; costNanos: number }[];
  timings: { totalMs: number; queueWaitMs: number; limiterWaitMs: number; providerMs: number; toolMs: number; retryWaitMs: number; ttftMs?: number; tookSlot: boolean };
  attempts: number;
  retries: number;
  fallbacks: number;
  /** Failed provider attempts by kind (429, 529, 500, timeout…), as the simulator counts them. */
  failures: Partial<Record<string, number>>;
  /** Calls our limiter held back, by `model:limit`. */
  limiterWaitsBy: Partial<Record<string, number>>;
  breakerRejections: number;
  route: string[];
}

export class SessionBusyError extends Error {}

export interface TurnHooks {
  /** Called when the answer's first token arrives (streaming clients measure TTFT by it). */
  onFirstToken?(): void;
}

/** The session key the pipeline uses: the simulator keys session N as `sN`; live sessions alike. */
export const sessionKeyOf = (id: string) => `s${id}`;

/**
 * The pipeline's key for a turn of session `sessionId` (the URL's id): `sN` for a replayed workload
 * session N (`plan.session`), else from the id. Why two identities: the URL's id names the stored
 * conversation and its lock, and a load tester gives each run its own (`<run id>.<N>`), so that a run
 * never meets what an earlier one left behind; the pipeline's key decides what must not depend on the
 * run — routing splits, request keys, segment hashes, seeded draws — and stays the simulator's `sN`.
 */
export const pipelineKeyOf = (sessionId: string, body: TurnBody) => sessionKeyOf(body.plan?.session !== undefined ? String(body.plan.session) : sessionId);

function planFor(rt: Runtime, sessionKey: string, turn: number, body: TurnBody, outputSampler: (rng: Rng) => number): TurnPlan {
  const p = body.plan ?? {};
  const userTokens = p.userTokens ?? Math.max(1, countTokens(body.message ?? ''));
  const promptKey = p.promptKey ?? (turn === 1 ? `m-${hashString((body.message ?? '').trim().replace(/\s+/g, ' ')).toString(36)}` : `${sessionKey}-t${turn}`);
  const planned = p.calls ?? [{ outputTokens: Math.max(1, outputSampler(new Rng(rt.deps.seed, 'live', sessionKey, turn))) }];
  const calls = planned.map((c, i) => ({
    index: i + 1,
    outputTokens: c.outputTokens,
    toolLatencyAfterMs: i === planned.length - 1 ? 0 : (c.toolLatencyMs ?? 0),
    toolResultTokens: i === planned.length - 1 ? 0 : (c.toolResultTokens ?? 0),
  }));
  return { index: turn, userTokens, promptKey, calls };
}

export class TurnService {
  private readonly output: (rng: Rng) => number;

  constructor(private readonly rt: Runtime) {
    this.output = compileSampler(rt.scenario.conversation.tokens.output, true);
  }

  async run(sessionId: string, body: TurnBody, hooks: TurnHooks = {}): Promise<TurnResponse> {
    const rt = this.rt;
    const s = rt.scenario;
    const lockedAt = performance.now();
    const token = await rt.sessions.lock(sessionId);
    if (token === undefined) throw new SessionBusyError(`session ${sessionId} has a turn in progress`);
    // A turn may outlast the lock's expiry: renewed while it runs (a crashed instance's lock still lapses).
    // Once the lock is known lost the turn stops before its next step (SessionLockLostError), and the
    // store refuses its save: another instance may be running a turn of this session by then.
    const lock = watchLock(rt.sessions, sessionId, token, lockedAt, () => rt.metrics.sessionLocksLost.inc());
    rt.metrics.inFlight.inc();
    try {
      const sessionKey = pipelineKeyOf(sessionId, body);
      const rec = await rt.sessions.load(sessionId);
      const conv = rec ? Conversation.fromState(sessionKey, s.conversation.tokens.systemPrompt, s.conversation.context, rec.conversation) : new Conversation(sessionKey, s.conversation.tokens.systemPrompt, s.conversation.context);
      const turnIndex = body.plan?.turn ?? (rec?.turns ?? 0) + 1;
      const turn = planFor(rt, sessionKey, turnIndex, body, this.output);
      if (body.message !== undefined) rt.texts.set(`${sessionKey}/t${turnIndex}/u`, body.message);
      const priority = body.priority ?? Object.keys(s.users.priorityMix)[0] ?? 'standard';
      const env = hooks.onFirstToken ? { ...rt.env, provider: withFirstToken(rt.env.provider, hooks.onFirstToken) } : rt.env;
      const pipeline = turnPipeline(rt.deps, { sessionKey, priority, turn, lastTurn: body.end === true, conversation: conv, holdingSlot: rec?.holdingSlot ?? false });
      // Interrupted once the lock is lost: the turn ends as failed for SESSION_LOCK_LOST.
      const o = await runRealtime(env, pipeline, { signal: lock.signal, reason: SESSION_LOCK_LOST });
      const answered = o.status === 'ok' || o.status === 'cache-hit';
      const cacheLookedUp = s.cache !== false && turnIndex === 1;
      if (!lock.signal.aborted) {
        // Fenced by the lock's token: false when another holder has it (the watch had not seen it yet).
        let written = true;
        if (answered && body.end !== true) written = await rt.sessions.save(sessionId, { turns: turnIndex, conversation: conv.toState(), holdingSlot: o.holdingSlot }, token);
        else if (body.end === true) written = await rt.sessions.delete(sessionId, token);
        if (!written) lock.lose('was found with another holder when the turn saved the conversation');
      }
      if (lock.signal.aborted) {
        // Counted as other failed turns are, with the calls it was billed for; a turn whose pipeline had
        // finished before the loss was found is counted so too: its client is told the lock was lost.
        rt.metrics.observeTurn(o.reason === SESSION_LOCK_LOST ? o : { ...o, status: 'failed', reason: SESSION_LOCK_LOST }, cacheLookedUp);
        this.gauges();
        throw lock.signal.reason; // the watch's SessionLockLostError
      }
      rt.metrics.observeTurn(o, cacheLookedUp);
      this.gauges();
      const last = turn.calls[turn.calls.length - 1]!;
      const answer = answered ? (rt.texts.get(`${sessionKey}/t${turnIndex}/c${last.index}`) ?? textFor(`${sessionKey}/t${turnIndex}/answer`, o.answerTokens)) : undefined;
      const costNanos = o.charges.reduce((a, c) => a + c.costNanos, 0);
      return {
        sessionId,
        turn: turnIndex,
        status: o.status,
        ...(o.reason ? { reason: o.reason } : {}),
        ...(answer !== undefined ? { answer } : {}),
        ...(o.charges.length > 0 ? { model: o.charges[o.charges.length - 1]!.model } : {}),
        usage: totalUsage(o.charges),
        charges: [...o.charges],
        costNanos,
        costUsd: costNanos / 1e9,
        timings: {
          totalMs: o.endedAtMs - o.startedAtMs,
          queueWaitMs: o.queueWaitMs,
          limiterWaitMs: o.limiterWaitMs,
          providerMs: o.providerMs,
          toolMs: o.toolMs,
          retryWaitMs: o.retryWaitMs,
          ...(o.ttftMs !== undefined ? { ttftMs: o.ttftMs } : {}),
          tookSlot: o.tookSlot,
        },
        attempts: o.attempts,
        retries: o.retries,
        fallbacks: o.fallbacks,
        failures: { ...o.failures },
        limiterWaitsBy: { ...o.limiterWaitsBy },
        breakerRejections: o.breakerRejections,
        route: [...o.routes],
      };
    } finally {
      lock.stop();
      rt.metrics.inFlight.dec();
      await rt.sessions.unlock(sessionId, token);
    }
  }

  /** Ends a conversation: forgets its state (a per-session slot is released by its last turn). */
  /** Forgets the session; SessionBusyError while a turn of it runs (that turn would save it again). */
  async end(sessionId: string): Promise<void> {
    const sessions = this.rt.sessions;
    const token = await sessions.lock(sessionId);
    if (token === undefined) throw new SessionBusyError(`session ${sessionId} has a turn in progress`);
    try {
      await sessions.delete(sessionId, token); // just taken: a lock of the default expiry does not lapse in one call
    } finally {
      await sessions.unlock(sessionId, token);
    }
  }

  gauges(): void {
    const { pool } = this.rt.env;
    this.rt.metrics.queueDepth.set(pool.queued);
    this.rt.metrics.busySlots.set(pool.inUse);
  }
}

/** Wraps the provider so the first token of the turn's first answered call is reported once. */
function withFirstToken(provider: Runtime['env']['provider'], onFirstToken: () => void): Runtime['env']['provider'] {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    onFirstToken();
  };
  return {
    async call(req, hooks) {
      const r = await provider.call(req, fired ? hooks : { ...hooks, onFirstToken: () => (hooks?.onFirstToken?.(), fire()) });
      // A provider without streaming hooks: the answer's arrival is the first token.
      if (r.ok) fire();
      return r;
    },
  };
}
