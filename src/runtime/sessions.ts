/**
 * Conversation state between turns, in memory or in Redis (so a session's next turn can land on any
 * runtime instance). A session is locked while one of its turns runs: a conversation's turns are
 * sequential, and a second concurrent turn is refused (409) rather than interleaved.
 */
import type { Redis } from 'ioredis';
import type { ConversationState } from '../core/context.js';

export interface SessionRecord {
  /** Turns taken so far. */
  turns: number;
  conversation: ConversationState;
  /** Per-session worker mode: this session holds a slot on this instance. */
  holdingSlot: boolean;
}

export interface SessionStore {
  /** Takes the session's lock; false if a turn of it is already running. */
  lock(id: string): Promise<boolean>;
  unlock(id: string): Promise<void>;
  load(id: string): Promise<SessionRecord | undefined>;
  save(id: string, rec: SessionRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Sessions idle longer than this are forgotten. */
export const SESSION_TTL_MS = 3_600_000;

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, { rec: SessionRecord; touchedAt: number }>();
  private readonly locks = new Set<string>();

  async lock(id: string): Promise<boolean> {
    if (this.locks.has(id)) return false;
    this.locks.add(id);
    return true;
  }

  async unlock(id: string): Promise<void> {
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

  async save(id: string, rec: SessionRecord): Promise<void> {
    this.records.set(id, { rec, touchedAt: Date.now() });
    if (this.records.size > 100_000) this.evictIdle();
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }

  get size(): number {
    return this.records.size;
  }

  private evictIdle(): void {
    const now = Date.now();
    for (const [id, r] of this.records) if (now - r.touchedAt > SESSION_TTL_MS) this.records.delete(id);
  }
}

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** A lock outlives a crashed instance by at most this long. */
    private readonly lockTtlMs = 120_000,
  ) {}

  private key(id: string, part: string): string {
    return `hr:${this.prefix}:session:{${id}}:${part}`;
  }

  async lock(id: string): Promise<boolean> {
    return (await this.redis.set(this.key(id, 'lock'), '1', 'PX', this.lockTtlMs, 'NX')) === 'OK';
  }

  async unlock(id: string): Promise<void> {
    await this.redis.del(this.key(id, 'lock'));
  }

  async load(id: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.get(this.key(id, 'state'));
    return raw ? (JSON.parse(raw) as SessionRecord) : undefined;
  }

  async save(id: string, rec: SessionRecord): Promise<void> {
    await this.redis.set(this.key(id, 'state'), JSON.stringify(rec), 'PX', SESSION_TTL_MS);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id, 'state'), this.key(id, 'lock'));
  }
}
