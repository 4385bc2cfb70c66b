/**
 * Stopping a pipeline from outside, the way SimPy interrupts a process: its interpreter throws an
 * Interrupt into the generator at the effect it yielded (`gen.throw`), so that the pipeline can put
 * back what it holds — a limiter reservation — before it ends. The runtime's interpreter does so once
 * the run's signal is aborted (the turn's session lock was lost); the simulator's never does.
 *
 * An interrupt comes only at an effect that acts — a worker slot, a place in the limiter's line, a
 * provider call — before the interpreter performs it, never in the middle of a wait or of store
 * bookkeeping. An interrupt the pipeline lets through ends the run with its `cause`.
 */

/** A provider call an interrupt stopped. */
export interface StoppedCall {
  /** The request went out; false: it was never sent. */
  sent: boolean;
}

/** Thrown into a pipeline to stop it; `cause` is why (the abort signal's reason). */
export class Interrupt extends Error {
  constructor(
    cause: unknown,
    /** Set when the pipeline was stopped at a provider call, after the limiter admitted it. */
    readonly call: StoppedCall | undefined,
  ) {
    super('pipeline interrupted', { cause });
    this.name = 'Interrupt';
  }
}

/** The `call` an interrupt stops before its request is sent. */
export const NOT_SENT: StoppedCall = Object.freeze({ sent: false });
