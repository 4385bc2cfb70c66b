/**
 * Liveness of distributed load-test agents (distributed.ts). From its claim until its result is pushed, an
 * agent keeps a heartbeat: a key renewed every second that lapses `HEARTBEAT_TTL_MS` after the last
 * renewal, and its status (pid, host, what it has done so far) in a hash that outlives it. The
 * coordinator, waiting for results, watches the keys of the agents it has not heard from: one whose key
 * stays gone has died — killed, crashed, its machine or its network gone — and its last status says who
 * it was and what it had done.
 *
 * Keys: `hr:lt:run:<id>:alive:<index>` (the heartbeat), `hr:lt:run:<id>:agents` (status by index).
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Report } from '../core/metrics/report.js';
import type { ReplayProgress } from './replay.js';

/**
 * A running agent renews its heartbeat every second; one not renewed for `HEARTBEAT_TTL_MS` is gone and
 * its agent taken for dead. Five renewals' slack, so that a busy agent (an event loop late by a few
 * hundred ms under load) is never taken for dead, and a dead one is noticed within seconds.
 */
const HEARTBEAT_EVERY_MS = 1000;
export const HEARTBEAT_TTL_MS = 5000;

const aliveKey = (runId: string, index: number) => `hr:lt:run:${runId}:alive:${index}`;
const statusKey = (runId: string) => `hr:lt:run:${runId}:agents`;

/** Every liveness key of a run of `agents` agents (to delete with the run). */
export const livenessKeys = (runId: string, agents: number): string[] => [statusKey(runId), ...Array.from({ length: agents }, (_, i) => aliveKey(runId, i))];

/** Agents of a distributed run: how many, how many reported, and those that died (report.run.agents). */
export type AgentsOutcome = NonNullable<Report['run']['agents']>;
export type LostAgent = AgentsOutcome['lost'][number];

/** What a running agent says of itself with each heartbeat (the last one is what the coordinator knows of a dead agent). */
interface AgentStatus extends ReplayProgress {
  pid: number;
  host: string;
}

/** "load-test agent 2/3 (pid 4242 on loadgen-1)": how reports and errors name an agent. */
export function agentName(a: LostAgent, agents: number): string {
  return `load-test agent ${a.agent}/${agents} (${a.pid !== undefined ? `pid ${a.pid} on ${a.host ?? 'an unknown host'}` : 'never heard from'})`;
}

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** What a lost agent had done, from its last heartbeat: "by its last heartbeat it had started 12 conversations and sent 57 turns (40 answered)". */
export function agentDid(a: LostAgent): string {
  return a.pid === undefined
    ? 'it never reported any progress'
    : `by its last heartbeat it had started ${plural(a.sessions, 'conversation')} and sent ${plural(a.sends, 'turn')} (${a.answered.toLocaleString('en-US')} answered)`;
}

/**
 * An agent's sign of life, from its claim until its result is pushed: the key that lapses unless renewed,
 * and its status with what it has done so far (`progress`, which the replay counts).
 */
export class Heartbeat {
  readonly progress: ReplayProgress = { sessions: 0, sends: 0, answered: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
    private readonly index: number,
    /** How long the status outlives the run's start (the run's own keys' lifetime). */
    private readonly statusTtlS: number,
  ) {}

  /** Beats once (awaited, so the coordinator can never look before the first beat), then every second. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_EVERY_MS);
  }

  private status(): string {
    const st: AgentStatus = { pid: process.pid, host: hostname(), ...this.progress };
    return JSON.stringify(st);
  }

  private beat(): Promise<unknown> {
    return this.redis
      .multi()
      .set(aliveKey(this.runId, this.index), '1', 'PX', HEARTBEAT_TTL_MS)
      .hset(statusKey(this.runId), String(this.index), this.status())
      .expire(statusKey(this.runId), this.statusTtlS)
      .exec()
      .catch(() => undefined); // Redis unreachable for a moment: the next beat (five before the key lapses)
  }

  /** The agent is done (its result pushed, or the run gone): the key goes now, not when it lapses. */
  async end(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.multi().hset(statusKey(this.runId), String(this.index), this.status()).del(aliveKey(this.runId, this.index)).exec().catch(() => undefined);
  }

  /** The agent failed without a result: the key lapses, and the coordinator takes the agent for dead. */
  abandon(): void {
    clearInterval(this.timer);
  }
}

/** The coordinator's side: which agents' heartbeats are gone, and what their last status said. */
export class HeartbeatWatch {
  /** When each agent's heartbeat was first found gone (cleared when found again). */
  private readonly goneSince = new Map<number, number>();

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
  ) {}

  /**
   * Of the agents `waiting` (indexes), those whose heartbeat is gone and stayed gone past two renewals:
   * a key can also go without its agent (evicted under memory pressure — volatile-ttl takes the shortest
   * TTL first — or deleted by hand), and a live agent sets it again within a second.
   */
  async silent(waiting: number[]): Promise<number[]> {
    if (waiting.length === 0) return [];
    const beats = await this.redis.mget(...waiting.map((i) => aliveKey(this.runId, i)));
    const now = Date.now();
    waiting.forEach((i, j) => (beats[j] === null ? this.goneSince.set(i, this.goneSince.get(i) ?? now) : this.goneSince.delete(i)));
    return waiting.filter((i) => now - (this.goneSince.get(i) ?? now) >= 2 * HEARTBEAT_EVERY_MS);
  }

  /** The agents `indexes` as their last heartbeat described them. */
  async lastHeard(indexes: number[]): Promise<LostAgent[]> {
    const statuses = await this.redis.hmget(statusKey(this.runId), ...indexes.map(String));
    return indexes.map((i, j) => {
      const raw = statuses[j];
      if (!raw) return { agent: i + 1, sessions: 0, sends: 0, answered: 0 };
      const st = JSON.parse(raw) as AgentStatus;
      return { agent: i + 1, pid: st.pid, host: st.host, sessions: st.sessions, sends: st.sends, answered: st.answered };
    });
  }
}
