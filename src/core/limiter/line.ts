/**
 * The waiting line in front of the limiter: calls the limiter holds back wait first come, first served,
 * per model, and the line admits its head as soon as the buckets hold the head's cost — at the time
 * the limiter says (`retryAfterMs`), or earlier when a call ahead settles for less than it reserved.
 *
 * Why a line and not a booking (`Limiter.reserve`): a call reserves its output estimate (`max_tokens` by
 * default) and gives back the unused part when it ends. A booking fixes each waiter's start time when it
 * arrives, so the tokens given back later can only serve newcomers at the end of the line: with 200
 * calls waiting on an OTPM bucket, reserving 4,096 and using 260, the last one went after 486 s instead
 * of ~28 s (test/unit/core/limiter-line.test.ts). The line re-asks the limiter when tokens come back.
 * And why not "retry when the limiter says": every waiter would wake at the same instant, one would win
 * and a newcomer could take a refill first (a thundering herd, and unbounded waits for some).
 *
 * Shape: like the worker pool. The pipeline asks `enter` (go now, never fits, or wait); a call that must
 * wait joins through its interpreter (`join`, the `limit` effect) and is told through its `LineWaiter`.
 * One timer per model line at most, re-armed when the head is refused; `settle` pokes the line when it
 * gives tokens back. Works over a synchronous limiter (memory) and an asynchronous one (Redis: one
 * acquire in flight per line; each runtime instance keeps its own line, and the instances' heads meet
 * at the shared buckets).
 */
import type { Scheduler } from '../scheduler.js';
import type { LimitCost, MaybePromise } from '../types.js';
import type { Binding, BucketLevel, Limiter, LimiterDecision } from './types.js';
import { BINDINGS } from './types.js';
import { ModelMap } from '../model-map.js';

/** What the line answers a call: admitted (after `waitedMs`, held back by `binding`), or never admissible. */
export type LineAnswer =
  | { ok: true; waitedMs: number; binding: Binding | undefined }
  | { ok: false; reason: 'exceeds-capacity'; binding: Binding };

/**
 * A call waiting in line. `admitted` may be called from inside another call's step (a settle gave
 * tokens back): an interpreter schedules the resume rather than running it there.
 */
export interface LineWaiter {
  admitted(answer: LineAnswer): void;
  /** The limiter's store failed while this call was at the head (Redis down with no fail-open policy). */
  failed(error: unknown): void;
}

const GO: LineAnswer = Object.freeze({ ok: true, waitedMs: 0, binding: undefined });

interface Waiting {
  cost: LimitCost;
  waiter: LineWaiter;
  sinceMs: number;
  /** What holds it back: the line's reason when it joined, then its own when it is refused at the head. */
  binding: Binding | undefined;
}

/** The line of one model. */
class Lane {
  /** Waiters from `head` on; the consumed front is dropped now and then. */
  q: Waiting[] = [];
  head = 0;
  timer: unknown = undefined;
  /** An acquire of an asynchronous limiter is in flight for the head. */
  busy = false;
  /** The bucket that last refused a call of this line (at `enter` or at the head): what the line waits for. */
  binding: Binding | undefined = undefined;
  readonly wake: () => void;

  constructor(
    readonly model: string,
    pump: (lane: Lane) => void,
  ) {
    this.wake = () => {
      this.timer = undefined;
      pump(this);
    };
  }

  get waiting(): number {
    return this.q.length - this.head;
  }

  shift(): Waiting {
    const w = this.q[this.head]!;
    this.q[this.head++] = undefined as unknown as Waiting;
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

/**
 * First-come-first-served admission through a {@link Limiter}.
 *
 * @example
 * const line = new LimiterLine(new MemoryLimiter(config), scheduler);
 * const now = line.enter('sonnet', cost, scheduler.now()); // GO, never, or undefined: join the line
 */
export class LimiterLine {
  private readonly lanes = new ModelMap<Lane>();

  constructor(
    readonly limiter: Limiter,
    private readonly scheduler: Scheduler,
  ) {}

  /**
   * The fast path: admitted now (buckets debited) when nobody waits for `model` and its buckets hold
   * `cost`; refused for good when the cost can never fit; undefined when the call must `join` the line.
   */
  enter(model: string, cost: LimitCost, nowMs: number): MaybePromise<LineAnswer | undefined> {
    const lane = this.lanes.get(model);
    if (lane !== undefined && (lane.waiting > 0 || lane.busy)) {
      // Behind those waiting — unless it can never fit, which it is told now rather than at the head.
      // A store that cannot say (Redis down) leaves that to the head's acquire and its store-down policy.
      let lv: MaybePromise<Partial<Record<Binding, BucketLevel>>>;
      try {
        lv = this.limiter.levels(model, nowMs);
      } catch {
        return undefined;
      }
      return lv instanceof Promise ? lv.then((l) => neverFits(l, cost), () => undefined) : neverFits(lv, cost);
    }
    const d = this.limiter.acquire(model, cost, nowMs);
    return d instanceof Promise ? d.then((x) => this.entered(model, x)) : this.entered(model, d);
  }

  /** Joins the line of `model`; `waiter` is told when the call may go (or never can). */
  join(model: string, cost: LimitCost, waiter: LineWaiter, nowMs: number): void {
    const lane = this.lane(model);
    lane.q.push({ cost, waiter, sinceMs: nowMs, binding: lane.binding });
    if (lane.timer === undefined && !lane.busy) this.pump(lane); // else the head's timer or decision pumps
  }

  /** `Limiter.settle`, then, when tokens came back and calls wait, lets the line try again at once. */
  settle(model: string, reserved: LimitCost, actual: LimitCost, nowMs: number): MaybePromise<void> {
    const r = this.limiter.settle(model, reserved, actual, nowMs);
    const lane = this.lanes.get(model);
    const refund = actual.requests < reserved.requests || actual.inputTokens < reserved.inputTokens || actual.outputTokens < reserved.outputTokens;
    if (lane === undefined || lane.waiting === 0 || !refund) return r;
    if (r instanceof Promise) return r.then(() => this.pump(lane));
    this.pump(lane);
    return r;
  }

  /** Calls waiting for `model` now. */
  waiting(model: string): number {
    return this.lanes.get(model)?.waiting ?? 0;
  }

  /** Admits heads while the buckets hold their cost; else arms the lane's timer for when they will. */
  private readonly pump = (lane: Lane): void => {
    if (lane.busy) return;
    if (lane.timer !== undefined) {
      this.scheduler.cancel(lane.timer);
      lane.timer = undefined;
    }
    while (lane.waiting > 0) {
      const head = lane.q[lane.head]!;
      let d: MaybePromise<LimiterDecision>;
      try {
        d = this.limiter.acquire(lane.model, head.cost, this.scheduler.now());
      } catch (err) {
        lane.shift().waiter.failed(err);
        continue;
      }
      if (d instanceof Promise) {
        lane.busy = true;
        d.then(
          (x) => {
            lane.busy = false;
            if (this.decided(lane, x)) this.pump(lane);
          },
          (err: unknown) => {
            lane.busy = false;
            lane.shift().waiter.failed(err);
            this.pump(lane);
          },
        );
        return;
      }
      if (!this.decided(lane, d)) return;
    }
  };

  /** Acts on the head's decision; true when the head left the line (the next one may try). */
  private decided(lane: Lane, d: LimiterDecision): boolean {
    const now = this.scheduler.now();
    if (d.granted) {
      const w = lane.shift();
      w.waiter.admitted({ ok: true, waitedMs: now - w.sinceMs, binding: w.binding });
      return true;
    }
    if (d.reason === 'exceeds-capacity') {
      lane.shift().waiter.admitted({ ok: false, reason: 'exceeds-capacity', binding: d.binding });
      return true;
    }
    lane.binding = lane.q[lane.head]!.binding = d.binding;
    lane.timer = this.scheduler.at(now + d.retryAfterMs, lane.wake);
    return false;
  }

  /** The answer to `enter` from the limiter's decision; a refusal to wait records what refused it. */
  private entered(model: string, d: LimiterDecision): LineAnswer | undefined {
    if (d.granted) return GO;
    if (d.reason === 'exceeds-capacity') return { ok: false, reason: 'exceeds-capacity', binding: d.binding };
    this.lane(model).binding = d.binding;
    return undefined;
  }

  private lane(model: string): Lane {
    let lane = this.lanes.get(model);
    if (lane === undefined) this.lanes.set(model, (lane = new Lane(model, this.pump)));
    return lane;
  }
}

/** Refused for good when some bucket could never hold `cost`; else undefined (wait in line). */
function neverFits(levels: Partial<Record<Binding, BucketLevel>>, cost: LimitCost): LineAnswer | undefined {
  const need: Record<Binding, number> = { rpm: cost.requests, itpm: cost.inputTokens, otpm: cost.outputTokens };
  for (const kind of BINDINGS) {
    const b = levels[kind];
    if (b !== undefined && need[kind] > b.capacity) return { ok: false, reason: 'exceeds-capacity', binding: kind };
  }
  return undefined;
}
