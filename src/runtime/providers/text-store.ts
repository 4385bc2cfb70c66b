/**
 * Where the runtime keeps the real text of prompt segments (answers the provider gave, messages a
 * client sent), keyed by segment key, so the next call of a conversation sends what was actually said.
 *
 * A miss is never an error: the adapter falls back to `textFor(key, tokens)`, synthetic text with the
 * segment's exact token count. That is what makes a bound safe — evicting a conversation's text
 * changes what the model reads, not what the pipeline counts.
 */

/**
 * Synchronous, as the runtime reads it today. A shared (Redis) store would widen these to
 * MaybePromise, and every reader (this adapter, the turn service) would await them.
 */
export interface TextStore {
  get(key: string): string | undefined;
  set(key: string, text: string): void;
  /** Drops every text of a session (its conversation ended). Optional: a bounded store forgets anyway. */
  deleteSession?(sessionKey: string): void;
}

export interface MemoryTextStoreOptions {
  /** Bound on the texts held, in characters (default 16 M, some 16–64 MB). */
  maxChars?: number;
  /** Bound on the number of texts (default 100 000). */
  maxEntries?: number;
}

/**
 * The session a segment key belongs to: segment keys are `${sessionKey}/t<N>/…` or
 * `${sessionKey}/summary<n>` (Conversation in src/core/context.ts). Undefined for other keys
 * ('system'), which belong to no session.
 */
export function sessionOf(key: string): string | undefined {
  const m = /^(.+?)\/(?:t\d+\/|summary\d*(?:\/|$))/.exec(key);
  return m?.[1];
}

/**
 * An in-memory TextStore bounded by characters and entries, evicting the least recently used text
 * (a Map iterates in insertion order; a hit re-inserts). One process only: several runtime
 * instances behind a balancer need a shared store, or sticky sessions.
 */
export class MemoryTextStore implements TextStore {
  private readonly texts = new Map<string, string>();
  /** Session → its keys, so deleteSession does not scan the whole store. */
  private readonly sessions = new Map<string, Set<string>>();
  private chars = 0;
  private readonly maxChars: number;
  private readonly maxEntries: number;

  constructor(opts: MemoryTextStoreOptions = {}) {
    this.maxChars = opts.maxChars ?? 16 * 1024 * 1024;
    this.maxEntries = opts.maxEntries ?? 100_000;
    if (!(this.maxChars > 0) || !(this.maxEntries > 0)) throw new Error('memory text store: maxChars and maxEntries must be positive');
  }

  get size(): number {
    return this.texts.size;
  }

  get totalChars(): number {
    return this.chars;
  }

  get(key: string): string | undefined {
    const text = this.texts.get(key);
    if (text === undefined) return undefined;
    this.texts.delete(key);
    this.texts.set(key, text);
    return text;
  }

  set(key: string, text: string): void {
    this.delete(key);
    // A text larger than the whole bound is not kept: it would evict everything and then itself.
    if (text.length > this.maxChars) return;
    this.texts.set(key, text);
    this.chars += text.length;
    const session = sessionOf(key);
    if (session !== undefined) {
      let keys = this.sessions.get(session);
      if (!keys) this.sessions.set(session, (keys = new Set()));
      keys.add(key);
    }
    while (this.chars > this.maxChars || this.texts.size > this.maxEntries) {
      const oldest = this.texts.keys().next().value as string;
      this.delete(oldest);
    }
  }

  deleteSession(sessionKey: string): void {
    const keys = this.sessions.get(sessionKey);
    if (!keys) return;
    for (const key of [...keys]) this.delete(key);
  }

  private delete(key: string): void {
    const text = this.texts.get(key);
    if (text === undefined) return;
    this.texts.delete(key);
    this.chars -= text.length;
    const session = sessionOf(key);
    if (session === undefined) return;
    const keys = this.sessions.get(session);
    keys?.delete(key);
    if (keys?.size === 0) this.sessions.delete(session);
  }
}
