/**
 * Stopping a pipeline from outside, the way SimPy interrupts a process: its interpreter throws an
 * Interrupt into the generator at the effect it yielded (`gen.throw`), so that the pipeline can settle
 * what it holds — a limiter reservation, a provider call cut short — before it ends. The runtime's
 * interpreter does so once the run's signal is aborted (the turn's session lock was lost); the
 * simulator's never does.
 *
 * An interrupt comes at an effect that acts — a worker slot, a place in the limiter's line, a provider
 * call — in place of performing it; at a provider call in flight, which the signal cuts short; or at a
 * wait under way, which it cuts short too (a slot in the queue, a place in the limiter's line, a tool's
 * latency, a retry's backoff). Never in the middle of store bookkeeping. The turn pipeline ends as a failed turn with
 * the interrupt's `reason`, so that the runtime counts it as other failed turns are; an interrupt a
 * pipeline lets through ends the run with its `cause`.
 */
import type { Usage } from '../types.js';

/** A provider call an interrupt stopped. */
export interface StoppedCall {
  /** The request went out (the provider may have worked on it, and may bill it); false: it was never sent. */
  sent: boolean;
  /** What the provider had reported of the call's usage when it was cut short (a stream's message_start); undefined: nothing. */
  usage: Usage | undefined;
}

/** What stops a run from outside: once `signal` is aborted, the run is interrupted for `reason`. */
export interface Stop {
  signal: AbortSignal;
  /** The reason a turn stopped so ends with (TurnOutcome.reason, e.g. 'session-lock-lost'). */
  reason: string;
}

/** Thrown into a pipeline to stop it; `cause` is why (the abort signal's reason). */
export class Interrupt extends Error {
  constructor(
    /** The outcome's reason (Stop.reason). */
    readonly reason: string,
    cause: unknown,
    /** Set when the pipeline was stopped at a provider call, after the limiter admitted it. */
    readonly call: StoppedCall | undefined,
  ) {
    super(`pipeline interrupted (${reason})`, { cause });
    this.name = 'Interrupt';
  }
}

/** The `call` an interrupt stops before its request is sent. */
export const NOT_SENT: StoppedCall = Object.freeze({ sent: false, usage: undefined });

/**
 * What a provider call rejects with when its caller's signal (CallHooks.signal) cut it short: the usage
 * the provider had reported by then, if any. A provider that rejects with anything else once the signal
 * is aborted is taken to have reported nothing.
 */
export class CallCutShort extends Error {
  constructor(readonly usage: Usage | undefined) {
    super('provider call cut short by its caller');
    this.name = 'CallCutShort';
  }
}
