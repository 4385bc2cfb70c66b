/**
 * Keeps a turn's session lock and says as soon as it is lost. A lock in Redis lapses `lockTtlMs` after
 * its last take or renewal; once it has, another instance may take it and run a turn of the same
 * session. Renewing on a heartbeat and ignoring failures (as before) let a turn whose renewals failed
 * for longer than that go on calling the provider and then save the conversation over the other turn's.
 *
 * The watch renews every `renewEveryMs` and aborts its `signal` with a `SessionLockLostError`:
 * - when a renewal answers that the token no longer holds the lock (another holder: it lapsed and was
 *   taken, or was broken for a task taken over from an instance that stopped answering), at once;
 * - when no renewal has been confirmed for LOCK_VALID_SHARE × `lockTtlMs` since the last confirmed one
 *   was sent, on a timer of its own: a renewal that hangs (a stalled Redis) must not keep the turn going.
 *   The lock's expiry was set after that send, so it has not lapsed yet: the margin covers a late timer.
 * The turn's pipeline checks the signal before each step that acts (a worker slot, the limiter, a
 * provider call) and the session store refuses a save by a token that lost its lock, so a lost turn
 * makes no new provider call once the loss is known and never writes over the turn that took over.
 * The step is not taken: the interpreter throws an Interrupt into the pipeline in its place
 * (core/pipeline/interrupt.ts), and a call the limiter had admitted gives its reservation back, so the
 * buckets are not left debited by its estimate.
 * A provider call already under way when the lock is lost is cut short: the signal aborts its HTTP
 * request (the adapter rejects with CallCutShort), and the call is settled with the limiter and charged
 * on what the provider had reported of it by then — a stream's input and output so far; nothing for an
 * answer not streamed, whose request and input stay counted by the limiter (settleStopped in
 * core/pipeline/call.ts says why). The turn ends as a failed turn, reason SESSION_LOCK_LOST, counted in
 * the turn metrics as other failed turns are, with the calls it was billed for; its client is told
 * with the SessionLockLostError.
 */
import { heartbeat } from './heartbeat.js';
import { SessionLockLostError, type SessionStore } from './sessions.js';

/** Share of the lock's expiry after the last confirmed renewal at which the lock counts as lost. */
const LOCK_VALID_SHARE = 0.9;

export interface LockWatch {
  /** Aborted (with a SessionLockLostError) once the lock is known lost. */
  readonly signal: AbortSignal;
  /** Marks the lock lost (the store refused a write for the token, say); counted once. */
  lose(why: string): void;
  /** Stops renewing (the turn is over). */
  stop(): void;
}

/**
 * Watches the lock `token` holds on session `id`, taken by a call sent at `lockedAtMs` (performance.now()).
 * `onLost` runs once, when the loss is first known (the runtime counts it in a metric).
 */
export function watchLock(store: SessionStore, id: string, token: string, lockedAtMs: number, onLost: () => void): LockWatch {
  const ctl = new AbortController();
  let stopRenewing: (() => void) | undefined;
  let expiry: NodeJS.Timeout | undefined;
  const stop = () => {
    stopRenewing?.();
    clearTimeout(expiry);
  };
  const lose = (why: string) => {
    if (ctl.signal.aborted) return;
    stop();
    ctl.abort(new SessionLockLostError(id, why));
    onLost();
  };
  const ttlMs = store.lockTtlMs;
  const everyMs = store.renewEveryMs;
  if (ttlMs !== undefined && everyMs !== undefined) {
    const validMs = ttlMs * LOCK_VALID_SHARE;
    let confirmedSentAt = lockedAtMs;
    const arm = () => {
      clearTimeout(expiry);
      const leftMs = confirmedSentAt + validMs - performance.now();
      expiry = setTimeout(() => lose(`could not be renewed for ${Math.round(performance.now() - confirmedSentAt)} ms (it lapses ${ttlMs} ms after its last renewal)`), Math.max(0, leftMs));
      expiry.unref();
    };
    arm();
    stopRenewing = heartbeat(everyMs, async () => {
      const sentAt = performance.now();
      const held = await store.renew(id, token); // a failure is let go: the expiry timer decides
      if (ctl.signal.aborted) return;
      if (!held) return lose('was found with another holder (it lapsed, or was broken for a task taken over from an instance that stopped answering)');
      if (sentAt > confirmedSentAt) {
        confirmedSentAt = sentAt;
        arm();
      }
    });
  }
  return {
    signal: ctl.signal,
    lose,
    stop,
  };
}
