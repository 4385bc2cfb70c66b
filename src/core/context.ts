/**
 * Context policy: what each LLM call of a conversation sends, in tokens, as a list of keyed segments.
 *
 *   [system] [summary?] [history turns per policy…] [user message] [this turn's earlier calls + tool results…]
 *
 * - full: every past turn; window N: the last N turns; summarise after N: once the history holds N
 *   turns, a summarising call (its own cost included) replaces it with `summaryTokens`.
 * - Segment keys are stable identities (not text), so a prompt cache can find the longest cached
 *   prefix the way Anthropic's prefix caching does (see prompt-cache.ts). When the window slides or a
 *   summary replaces history, the prefix after the system prompt changes and stops matching.
 */
import { hashString } from '../scenario/rng.js';
import type { Scenario } from '../scenario/schema.js';

export interface Segment {
  key: string;
  tokens: number;
  /** hashString(key), computed once when the segment is made (prompt caches hash every prefix). */
  hash: number;
}

export function segment(key: string, tokens: number): Segment {
  return { key, tokens, hash: hashString(key) };
}

export interface SummaryRequest {
  /** Segments the summarising call reads (system + previous summary + history). */
  segments: Segment[];
  outputTokens: number;
}

type Policy = Scenario['conversation']['context'];


/** A conversation's state as plain data, for session stores shared between runtime instances. */
export interface ConversationState {
  history: { key: string; tokens: number }[][];
  summary?: { key: string; tokens: number };
  summaries: number;
}

/** The context of one conversation (one per session). Not shared; cheap to create. */
export class Conversation {
  /** Past turns, each as the segments it was sent as (so later prompts share their prefix exactly). */
  private history: Segment[][] = [];
  private summary: Segment | undefined;
  private summaries = 0;
  /** This turn: the user message and what earlier calls of the agent loop added. */
  private current: Segment[] = [];
  private turnKey = '';

  private readonly system: Segment;

  constructor(
    private readonly sessionKey: string,
    systemTokens: number,
    private readonly policy: Policy,
  ) {
    this.system = segment('system', systemTokens);
  }

  beginTurn(turnIndex: number, userTokens: number): void {
    this.turnKey = `${this.sessionKey}/t${turnIndex}`;
    this.current = [segment(`${this.turnKey}/u`, userTokens)];
  }

  /** Segments of the next call's prompt. */
  prompt(): Segment[] {
    const out: Segment[] = [this.system];
    if (this.summary) out.push(this.summary);
    const from = this.policy.policy === 'window' ? Math.max(0, this.history.length - this.policy.turns) : 0;
    for (let i = from; i < this.history.length; i++) for (const seg of this.history[i]!) out.push(seg);
    for (const s of this.current) out.push(s);
    return out;
  }

  /** A call of this turn answered with `outputTokens`; a tool then added `toolResultTokens` (0 after the last call). */
  recordCall(callIndex: number, outputTokens: number, toolResultTokens: number): void {
    this.current.push(segment(`${this.turnKey}/c${callIndex}`, outputTokens));
    if (toolResultTokens > 0) this.current.push(segment(`${this.turnKey}/r${callIndex}`, toolResultTokens));
  }

  endTurn(): void {
    this.history.push(this.current);
    this.current = [];
  }

  /** Under `summarise`, the summarising call due before the next turn, if any. */
  summaryDue(): SummaryRequest | undefined {
    if (this.policy.policy !== 'summarise' || this.history.length < this.policy.after) return undefined;
    const segments: Segment[] = [this.system];
    if (this.summary) segments.push(this.summary);
    for (const turn of this.history) segments.push(...turn);
    return { segments, outputTokens: this.policy.summaryTokens };
  }

  /** The summary replaced the history. */
  applySummary(summaryTokens: number): void {
    this.summaries++;
    this.summary = segment(`${this.sessionKey}/summary${this.summaries}`, summaryTokens);
    this.history = [];
  }

  /** Between turns only: the state to store. */
  toState(): ConversationState {
    const plain = (s: Segment) => ({ key: s.key, tokens: s.tokens });
    return { history: this.history.map((t) => t.map(plain)), ...(this.summary ? { summary: plain(this.summary) } : {}), summaries: this.summaries };
  }

  /** Restores a stored state (segment hashes are recomputed). */
  static fromState(sessionKey: string, systemTokens: number, policy: Policy, st: ConversationState): Conversation {
    const c = new Conversation(sessionKey, systemTokens, policy);
    c.history = st.history.map((t) => t.map((s) => segment(s.key, s.tokens)));
    if (st.summary) c.summary = segment(st.summary.key, st.summary.tokens);
    c.summaries = st.summaries;
    return c;
  }

  /** Tokens the history holds now (for reports and tests). */
  get historyTokens(): number {
    return this.history.reduce((s, h) => s + promptTokens(h), 0) + (this.summary?.tokens ?? 0);
  }
}

export function promptTokens(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) n += s.tokens;
  return n;
}
