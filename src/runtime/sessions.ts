/**
 * Conversation state between turns, in memory or in Redis (so a session's next turn can land on any
 * runtime instance). A session is locked while one of its turns runs: a conversation's turns are
 * sequential, and a second concurrent turn is refused (409) rather than interleaved.
 *
 * A lock is held by a token, so that only its holder releases or renews it: in Redis it expires (a
 * crashed instance's lock lapses), the holder renews it while its turn runs (a turn may outlast the
 * expiry), and a holder whose lock lapsed and was taken by another turn cannot release that turn's.
 * Saving and deleting a session take the token too and do nothing unless it still holds the lock
 * (atomically, in Redis): a turn that lost its lock cannot write over the turn that took it (the lock
 * token is the fencing token). The turn itself stops once it knows its lock is lost (lock-watch.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConversationState } from '../core/context.js';

export interface SessionRecord {
  /** Turns taken so far. */
  turns: number;
  conversation: ConversationState;
  /** Per-session worker mode: this session holds a slot on this instance. */
  holdingSlot: boolean;
}

/**
 * A turn's session lock was lost while the turn ran — it lapsed (renewals failed for longer than its
 * expiry) or another holder has it — so the turn stopped before its next step (cutting short a provider
 * call under way), and saved nothing.
 */
export class SessionLockLostError extends Error {
  constructor(
    readonly sessionId: string,
    why: string,
  ) {
    super(`session ${sessionId}: its lock ${why}; the turn stopped before its next step (a provider call under way was cut short) and saved nothing, so that two turns of the session never run at once (provider calls it had made were billed)`);
    this.name = 'SessionLockLostError';
  }
}

/** The reason a turn stopped by a lost session lock is counted under, as a failed turn (`headroom_turns_total`). */
export const SESSION_LOCK_LOST = 'session-lock-lost';

export interface SessionStore {
  /** Takes the session's lock: its token, or undefined if a turn of it is already running. */
  lock(id: string): Promise<string | undefined>;
  /** Keeps the lock `token` holds from lapsing; false if it no longer holds it. */
  renew(id: string, token: string): Promise<boolean>;
  /** Releases the lock if `token` still holds it. */
  unlock(id: string, token: string): Promise<void>;
  /** Releases the lock whoever holds it: for a task taken over from a consumer that is gone. */
  breakLock(id: string): Promise<void>;
  /** How often a holder must renew (ms); undefined: locks do not lapse. */
  readonly renewEveryMs: number | undefined;
  /** How long a lock outlives its last take or renewal (ms); undefined: locks do not lapse. */
  readonly lockTtlMs: number | undefined;
  load(id: string): Promise<SessionRecord | undefined>;
  /** Saves the session if `token` holds its lock; false (nothing saved) if it does not. */
  save(id: string, rec: SessionRecord, token: string): Promise<boolean>;
  /** Forgets the session if `token` holds its lock; false (nothing deleted) if it does not. */
  delete(id: string, token: string): Promise<boolean>;
}

/** Sessions idle longer than this are forgotten. */
export const SESSION_TTL_MS = 3_600_000;

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, { rec: SessionRecord; touchedAt: number }>();
  private readonly locks = new Map<string, string>();
  readonly renewEveryMs = undefined;
  readonly lockTtlMs = undefined;

  async lock(id: string): Promise<string | undefined> {
    if (this.locks.has(id)) return undefined;
    const token = randomUUID();
    this.locks.set(id, token);
    return token;
  }

  async renew(id: string, token: string): Promise<boolean> {
    return this.locks.get(id) === token;
  }

  async unlock(id: string, token: string): Promise<void> {
    if (this.locks.get(id) === token) this.locks.delete(id);
  }

  async breakLock(id: string): Promise<void> {
    this.locks.delete(id);
  }

  async load(id: string): Promise<SessionRecord | undefined> {
    const r = this.records.get(id);
    if (!r) return undefined;
    if (Date.now() - r.touchedAt > SESSION_TTL_MS) {
      this.records.delete(id);
      return undefined;
    }
    return r.rec;
  }

  async save(id: string, rec: SessionRecord, token: string): Promise<boolean> {
    if (this.locks.get(id) !== token) return false;
    this.records.set(id, { rec, touchedAt: Date.now() });
    if (this.records.size > 100_000) this.evictIdle();
    return true;
  }

  async delete(id: string, token: string): Promise<boolean> {
    if (this.locks.get(id) !== token) return false;
    this.records.delete(id);
    return true;
  }

  get size(): number {
    return this.records.size;
  }

  private evictIdle(): void {
    const now = Date.now();
    for (const [id, r] of this.records) if (now - r.touchedAt > SESSION_TTL_MS) this.records.delete(id);
  }
}

/** Deletes KEYS[1] if it holds ARGV[1]. */
const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
/** Sets KEYS[1]'s expiry to ARGV[2] ms if it holds ARGV[1]. */
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";
/** Sets KEYS[2] to ARGV[2] for ARGV[3] ms if the lock KEYS[1] holds ARGV[1]. */
const SAVE = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";
/** Deletes KEYS[2] if the lock KEYS[1] holds ARGV[1]. */
const DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[2]) return 1 end return 0";

export class RedisSessionStore implements SessionStore {
  readonly renewEveryMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** A lock outlives a crashed instance by at most this long. */
    readonly lockTtlMs = 120_000,
  ) {
    this.renewEveryMs = Math.max(1, Math.floor(lockTtlMs / 3));
  }

  private key(id: string, part: string): string {
    return `hr:${this.prefix}:session:{${id}}:${part}`;
  }

  async lock(id: string): Promise<string | undefined> {
    const token = randomUUID();
    return (await this.redis.set(this.key(id, 'lock'), token, 'PX', this.lockTtlMs, 'NX')) === 'OK' ? token : undefined;
  }

  async renew(id: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key(id, 'lock'), token, this.lockTtlMs)) === 1;
  }

  async unlock(id: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, this.key(id, 'lock'), token);
  }

  async breakLock(id: string): Promise<void> {
    await this.redis.del(this.key(id, 'lock'));
  }

  async load(id: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.get(this.key(id, 'state'));
    return raw ? (JSON.parse(raw) as SessionRecord) : undefined;
  }

  // The lock and the state share the session's hash tag, so one script may check the one and write the other (Cluster too).
  async save(id: string, rec: SessionRecord, token: string): Promise<boolean> {
    return (await this.redis.eval(SAVE, 2, this.key(id, 'lock'), this.key(id, 'state'), token, JSON.stringify(rec), SESSION_TTL_MS)) === 1;
  }

  async delete(id: string, token: string): Promise<boolean> {
    return (await this.redis.eval(DELETE, 2, this.key(id, 'lock'), this.key(id, 'state'), token)) === 1;
  }
}
