/**
 * Async turns (`async: true` → 202 + task id): accepted tasks go to the task queue — in memory, or a
 * Redis Streams consumer group shared by every runtime instance — and each instance's consumers claim
 * and run them. A task pending with a consumer that stopped answering (a crashed instance) is
 * reclaimed by another after `reclaimAfterMs` and run again: nothing accepted is lost (at-least-once;
 * a turn that ran twice is billed twice, which the reclaim window makes rare).
 *
 * Once a task's turn has run, it is acked whatever happens to its status: a status save that fails is
 * retried with a short backoff, and if it still fails the task is acked anyway and the failure logged.
 * Leaving it pending would have another instance run — and bill — the finished turn again. The outcome
 * is not given up on: the instance keeps it and retries the save in the background for a bounded time
 * (a Redis failover or restart takes seconds to minutes), and meanwhile `get` answers `unknown` with
 * the reason — a `running` record whose task has left the queue is a finished task whose outcome was
 * not recorded — rather than `running` until the record's TTL. An outcome still unsaved when the
 * retries give up or the instance stops is logged and counted (`headroom_task_status_lost_total`).
 */
import { randomUUID } from 'node:crypto';
import { MemoryTaskQueue } from '../core/queue/index.js';
import type { Task, TaskQueue } from '../core/queue/types.js';
import { queueConfig } from '../core/pipeline/build.js';
import { heartbeat } from './heartbeat.js';
import type { Runtime } from './runtime.js';
import { RedisTaskQueue } from './stores/redis-queue.js';
import { SessionBusyError, type TurnBody, type TurnResponse, type TurnService } from './turn-service.js';

export interface TaskPayload {
  sessionId: string;
  body: TurnBody;
}

export interface TaskStatus {
  id: string;
  sessionId: string;
  /**
   * `unknown`: its turn ran, but its outcome could not be recorded (the store refused the save); the
   * instance that ran it retries the save for a while, so `done` or `failed` may still replace it.
   */
  status: 'queued' | 'running' | 'done' | 'failed' | 'unknown';
  acceptedAt: string;
  finishedAt?: string;
  /** Instance that ran (or runs) it. */
  consumer?: string;
  result?: TurnResponse;
  error?: string;
}

const RESULT_TTL_MS = 3_600_000;

/** Waits before the retries of a finished task's status save (and of its ack): about a second in all. */
const AFTER_RUN_RETRY_DELAYS_MS = [50, 200, 800];

/**
 * A finished task's status the in-line retries could not save is retried in the background (the task
 * is acked meanwhile): the first wait continues the in-line series, each next one doubles up to the
 * cap, for BACKGROUND_SAVE_FOR_MS after the in-line retries gave up — long enough for a Redis failover
 * or restart, well inside the record's TTL. The instance holds the outcome in memory until then: few
 * tasks, since none is claimed while the store refuses writes.
 */
const BACKGROUND_SAVE_FIRST_WAIT_MS = 3_200;
const BACKGROUND_SAVE_MAX_WAIT_MS = 30_000;
const BACKGROUND_SAVE_FOR_MS = 600_000;
/** A background attempt unanswered by then counts as failed: a stalled Redis must not hold the retries (or stop()). */
const BACKGROUND_SAVE_TIMEOUT_MS = 2_000;

/** Where the task service reports what it cannot tell a client (Fastify's logger in the app). */
export interface TaskLog {
  error(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface TaskServiceOptions {
  consumer: string;
  /** Tasks this instance runs at once. */
  concurrency: number;
  /** A task pending this long with another consumer is taken over. */
  reclaimAfterMs: number;
  pollMs?: number;
  /** Default: none (the app passes its logger). */
  log?: TaskLog;
}

export class TaskService {
  private readonly queue: TaskQueue<TaskPayload>;
  /** The same queue when it is Redis: the store whose saves can fail, asked by `get` whether a task has left it. */
  private readonly redisQueue: RedisTaskQueue<TaskPayload> | undefined;
  /** Background saves of finished tasks' statuses (see the module comment); stop() waits for them. */
  private readonly saving = new Set<Promise<void>>();
  private readonly results = new Map<string, TaskStatus>();
  private running = false;
  private readonly loops: Promise<void>[] = [];
  /** Wake-ups of the loops' pending sleeps, so stop() does not wait out a poll or reclaim interval. */
  private readonly sleepers = new Set<() => void>();
  /** Tasks this instance is running, whatever their source: claimed by the dispatcher or reclaimed. */
  private readonly executing = new Set<Promise<void>>();
  /**
   * Room promised to a claim or a reclaim still waiting for the queue's answer. The dispatcher and the
   * reclaim loop each await the queue between seeing room and running what it hands back; without this,
   * both could see the same free room and together run past `concurrency`.
   */
  private reserved = 0;
  /** Wakes the dispatcher's idle wait (a task was submitted here, or one finished). */
  private kick: (() => void) | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly turns: TurnService,
    private readonly opts: TaskServiceOptions,
  ) {
    const config = queueConfig(rt.scenario);
    this.redisQueue = rt.redis ? new RedisTaskQueue<TaskPayload>(rt.redis, { prefix: `${rt.prefix}:tasks`, config }) : undefined;
    this.queue = this.redisQueue ?? new MemoryTaskQueue<TaskPayload>(config);
  }

  /**
   * The queue's clock (enqueue times, deadlines): wall-clock ms, scaled like the scenario clock, so every
   * instance reads the same time. The runtime's scheduler starts at 0 when its process starts, which would
   * make a task pushed on a young instance look long overdue to an older one (dead-lettered at once).
   */
  private queueNow(): number {
    return Date.now() * this.rt.timeScale;
  }

  private key(id: string): string {
    return `hr:${this.rt.prefix}:task:${id}`;
  }

  private async put(st: TaskStatus): Promise<void> {
    if (this.rt.redis) await this.rt.redis.set(this.key(st.id), JSON.stringify(st), 'PX', RESULT_TTL_MS);
    else this.results.set(st.id, st);
  }

  /** The task's record as stored. */
  private async read(id: string): Promise<TaskStatus | undefined> {
    if (!this.rt.redis) return this.results.get(id);
    const raw = await this.rt.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as TaskStatus) : undefined;
  }

  /**
   * The task's status as a client should read it: the record, except that a `running` task no longer in
   * the queue reads `unknown`. A task's final status is saved before it is acked, so a record still
   * `running` once the task has left the queue is a finished task whose outcome could not be recorded.
   * The record is read again after the queue answers: a save and ack landing between the two reads
   * would otherwise be taken for a failed save.
   */
  async get(id: string): Promise<TaskStatus | undefined> {
    const st = await this.read(id);
    if (st?.status !== 'running' || !this.redisQueue || (await this.redisQueue.holds(id))) return st;
    const now = await this.read(id);
    if (now?.status !== 'running') return now;
    const ranOn = now.consumer ? ` on ${now.consumer}` : '';
    return {
      ...now,
      status: 'unknown',
      error: `its turn ran${ranOn} but its outcome could not be recorded (the status store refused the save); that instance retries the save for up to ${BACKGROUND_SAVE_FOR_MS / 60_000} min: poll again, done or failed replaces unknown once it is saved`,
    };
  }

  /** Accepts a turn for later; rejected when the queue is full. */
  async submit(sessionId: string, body: TurnBody, cls: string): Promise<{ accepted: true; id: string } | { accepted: false; reason: string }> {
    const id = randomUUID();
    await this.put({ id, sessionId, status: 'queued', acceptedAt: new Date().toISOString() });
    const r = await this.queue.push(cls, { sessionId, body: { ...body, async: false } }, this.queueNow(), id);
    if (!r.accepted) {
      await this.put({ id, sessionId, status: 'failed', acceptedAt: new Date().toISOString(), error: `queue ${r.reason}` });
      return { accepted: false, reason: r.reason };
    }
    this.kick?.();
    return { accepted: true, id };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops.push(this.dispatch());
    this.loops.push(this.reclaimLoop());
  }

  /** Stops taking tasks and waits for the ones running (and, in memory, the ones queued) to finish. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.sleepers]) wake();
    await Promise.all(this.loops);
    this.loops.length = 0;
    // Both loops start tasks; once they have ended nothing adds to `executing`.
    await Promise.all(this.executing);
    // Background saves: woken above for one last attempt each (those started since try at once).
    await Promise.all(this.saving);
  }

  /** Tasks this instance may still start: `concurrency` less those running and those a claim or reclaim is fetching. */
  private room(): number {
    return this.opts.concurrency - this.executing.size - this.reserved;
  }

  /** Runs a task this instance claimed or reclaimed, counted in `executing` until it has finished. */
  private launch(task: Task<TaskPayload>, reclaimed: boolean): void {
    const p: Promise<void> = this.execute(task, reclaimed).finally(() => {
      this.executing.delete(p);
      this.kick?.();
    });
    this.executing.add(p);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms).unref();
      this.sleepers.add(wake);
    });
  }

  /**
   * One dispatcher per instance claims tasks and runs them, up to `concurrency` at once together with
   * the tasks the reclaim loop took over (one count, `room()`). It sleeps while
   * idle — a local submit or a finished task wakes it at once; other instances' submits (Redis) are
   * found by polling that backs off from `pollMs` to 100 ms — so an idle instance costs ten cheap
   * claims a second, and a task pushed elsewhere waits at most ~100 ms for an idle instance.
   */
  private async dispatch(): Promise<void> {
    const base = this.opts.pollMs ?? 25;
    let idle = 0;
    // On stop, tasks nobody claimed yet stay in a Redis stream for the other instances (or the next start);
    // in memory they exist nowhere else, so the loop runs them before it ends (a draining instance accepts
    // no new ones), instead of dropping turns it answered 202 for.
    const finishQueued = !this.rt.redis;
    while (this.running || finishQueued) {
      if (this.room() <= 0) {
        await this.idleWait(1000); // a finished task wakes it
        continue;
      }
      let task: Task<TaskPayload> | undefined;
      let failed = false;
      this.reserved++;
      try {
        task = await this.queue.claim(this.opts.consumer, this.queueNow());
      } catch {
        failed = true;
      } finally {
        this.reserved--;
      }
      if (failed) {
        if (!this.running) break;
        await this.sleep(base * 10); // store trouble: back off, keep the loop alive
        continue;
      }
      if (!task) {
        if (!this.running) break;
        await this.idleWait(Math.min(100, base * 2 ** idle));
        idle = Math.min(idle + 1, 5);
        continue;
      }
      idle = 0;
      this.launch(task, false);
    }
  }

  /** An idle wait the dispatcher can be woken from (`kick`). */
  private idleWait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        if (this.kick === done) this.kick = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms).unref();
      this.sleepers.add(done);
      this.kick = done;
    });
  }

  private async reclaimLoop(): Promise<void> {
    const every = Math.max(50, Math.floor(this.opts.reclaimAfterMs / 2));
    while (this.running) {
      await this.sleep(every);
      if (!this.running) break;
      try {
        // No more than this instance has room to run — the room the dispatcher's claims share: the rest stay
        // pending for the next round or another instance, instead of being run past the worker slots and the
        // queue and failed as queue-full. Reclaimed tasks count in `executing` like claimed ones, so the
        // dispatcher claims nothing new until one of them has finished.
        const room = this.room();
        if (room > 0) {
          this.reserved += room;
          let taken: Task<TaskPayload>[];
          try {
            taken = await this.queue.reclaim(this.opts.consumer, this.opts.reclaimAfterMs, this.queueNow(), room);
          } finally {
            this.reserved -= room;
          }
          // All at once, and not awaited: run one after another, the later ones would sit past
          // `reclaimAfterMs` again and be taken over (and run twice) by another instance.
          for (const t of taken) this.launch(t, true);
        }
        // Tasks that waited past their class deadline were dead-lettered by a claim: say so.
        for (const d of await this.queue.drainDeadLetters()) {
          const prev = await this.read(d.task.id);
          await this.put({ id: d.task.id, sessionId: d.task.payload.sessionId, status: 'failed', acceptedAt: prev?.acceptedAt ?? new Date().toISOString(), finishedAt: new Date().toISOString(), error: 'deadline: waited in the queue past its deadline' });
        }
      } catch {
        // try again next round
      }
    }
  }

  private async execute(task: Task<TaskPayload>, reclaimed: boolean): Promise<void> {
    const { sessionId } = task.payload;
    let acceptedAt: string;
    try {
      acceptedAt = (await this.read(task.id))?.acceptedAt ?? new Date().toISOString();
      // A reclaimed task's previous consumer is gone; its session lock would otherwise block the rerun.
      if (reclaimed) await this.rt.sessions.breakLock(sessionId);
      await this.put({ id: task.id, sessionId, status: 'running', acceptedAt, consumer: this.opts.consumer });
    } catch (err) {
      // Its turn has not run: left pending (not acked), it is reclaimed and run after `reclaimAfterMs`.
      // Nothing throws from here, so the dispatcher never sees a rejection (which would end the process).
      this.opts.log?.error({ err, taskId: task.id }, 'async task: could not be started (store unreachable); it stays pending and is retried after reclaimAfterMs');
      return;
    }
    // While it runs, the task is touched so that its idle time stays under `reclaimAfterMs`: a turn
    // longer than that (long answers, agent loops) is not taken over and run a second time. The touching
    // goes on while its status is saved and it is acked, which may be retried.
    const stopTouching = heartbeat(this.opts.reclaimAfterMs / 3, () => this.queue.touch(this.opts.consumer, task.id, this.queueNow()));
    try {
      const final = await this.runTurn(task, acceptedAt);
      // The turn ran (and was billed): from here on nothing may leave the task pending, or another instance
      // would reclaim it and run it again. Nothing here throws, so the dispatcher never sees a rejection.
      const saved = await this.afterRun(() => this.put(final));
      if (!saved.ok) this.opts.log?.error({ err: saved.err, taskId: task.id, status: final.status }, `async task: its turn ran but its status could not be saved; acking it anyway, so that it is not run and billed again; the save is retried in the background for up to ${BACKGROUND_SAVE_FOR_MS / 60_000} min (GET /v1/tasks/:id says unknown meanwhile)`);
      const acked = await this.afterRun(() => this.queue.ack(this.opts.consumer, task.id));
      if (!acked.ok) this.opts.log?.error({ err: acked.err, taskId: task.id }, 'async task: its turn ran but it could not be acked; another instance may run it again after reclaimAfterMs');
      if (!saved.ok) this.saveLater(final);
    } finally {
      stopTouching();
    }
  }

  /** Retries saving a finished task's status in the background (see BACKGROUND_SAVE_FOR_MS); not in `executing`: it holds no task slot. */
  private saveLater(final: TaskStatus): void {
    const p: Promise<void> = this.retrySave(final).finally(() => this.saving.delete(p));
    this.saving.add(p);
  }

  /** Never throws. Each wait is cut short by stop(), for one last attempt; then the outcome is given up on, logged and counted. */
  private async retrySave(final: TaskStatus): Promise<void> {
    const m = this.rt.metrics;
    m.taskStatusUnsaved.inc();
    const giveUpAt = Date.now() + BACKGROUND_SAVE_FOR_MS;
    try {
      for (let waitMs = BACKGROUND_SAVE_FIRST_WAIT_MS; ; waitMs = Math.min(2 * waitMs, BACKGROUND_SAVE_MAX_WAIT_MS)) {
        if (this.running) await this.sleep(Math.max(0, Math.min(waitMs, giveUpAt - Date.now())));
        try {
          await withTimeout(this.put(final), BACKGROUND_SAVE_TIMEOUT_MS);
          this.opts.log?.info?.({ taskId: final.id, status: final.status }, 'async task: its status was saved after all (background retry)');
          return;
        } catch (err) {
          if (this.running && Date.now() < giveUpAt) continue;
          m.taskStatusLost.inc();
          const why = this.running ? `background retries gave up after ${BACKGROUND_SAVE_FOR_MS / 60_000} min` : 'the instance stopped before a save got through';
          this.opts.log?.error({ err, taskId: final.id, status: final.status }, `async task: its turn ran but its outcome was never recorded (${why}); GET /v1/tasks/:id says unknown until the record expires`);
          return;
        }
      }
    } finally {
      m.taskStatusUnsaved.dec();
    }
  }

  /** Runs `op`, retried after each of AFTER_RUN_RETRY_DELAYS_MS while it fails; never throws. */
  private async afterRun(op: () => unknown): Promise<{ ok: true } | { ok: false; err: unknown }> {
    for (let attempt = 0; ; attempt++) {
      try {
        await op();
        return { ok: true };
      } catch (err) {
        if (attempt >= AFTER_RUN_RETRY_DELAYS_MS.length) return { ok: false, err };
        await new Promise((resolve) => setTimeout(resolve, AFTER_RUN_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /** Runs the task's turn; the status to save (done or failed), not yet saved. */
  private async runTurn(task: Task<TaskPayload>, acceptedAt: string): Promise<TaskStatus> {
    const { sessionId, body } = task.payload;
    const finished = { id: task.id, sessionId, acceptedAt, consumer: this.opts.consumer };
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.turns.run(sessionId, body);
        const ok = result.status === 'ok' || result.status === 'cache-hit';
        return { ...finished, status: ok ? 'done' : 'failed', finishedAt: new Date().toISOString(), result, ...(ok ? {} : { error: result.reason ?? result.status }) };
      } catch (e) {
        // Another turn of the same session is running: wait for it, the conversation is sequential.
        if (e instanceof SessionBusyError && attempt < 400) {
          await this.sleep(25);
          continue;
        }
        return { ...finished, status: 'failed', finishedAt: new Date().toISOString(), error: (e as Error).message };
      }
    }
  }
}

/** `p`, or a rejection once `ms` have passed without an answer. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
