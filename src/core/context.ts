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
import { callSuffix, toolResultSuffix, turnSuffix } from './keys.js';
import { appended, emptyList } from './lists.js';

export interface Segment {
  key: string;
  tokens: number;
  /** hashString(key), computed once when the segment is made (prompt caches hash every prefix). */
  hash: number;
  /**
   * The pipeline's prompt-cache estimate (PromptCacheEstimate) marks the last segment of each prompt
   * it sends: the identity of that prefix and until when it counts as cached. Kept on the segment, which
   * the conversation's later prompts share, rather than in a table: no lookup far away in memory.
   */
  markId?: number;
  markUntilMs?: number;
}

export function segment(key: string, tokens: number): Segment {
  return { key, tokens, hash: hashString(key), markId: -1, markUntilMs: 0 };
}

const SYSTEM_KEY = 'system';
const SYSTEM_HASH = hashString(SYSTEM_KEY);

/** `segment(prefix + suffix, tokens)` given the prefix's hash: hashes only the suffix (see hashString). */
function segmentAfter(prefix: string, prefixHash: number, suffix: string, tokens: number): Segment {
  return { key: prefix + suffix, tokens, hash: hashString(suffix, prefixHash), markId: -1, markUntilMs: 0 };
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
  private history: (readonly Segment[])[] = [];
  private summary: Segment | undefined;
  private summaries = 0;
  /** This turn: the user message and what earlier calls of the agent loop added. */
  private current: readonly Segment[] = emptyList();
  /** Key (`sessionKey/tN`) and hashString of turn `keyedTurn`: segment keys extend them, so only suffixes get hashed. */
  private keyedTurn = -1;
  private turnKey = '';
  private turnHash = 0;
  /** Key (`…/tN/cM`) and hash of call `keyedCall` of that turn: the pipeline's call key, and the key of the answer it adds. */
  private keyedCall = -1;
  private callKey = '';
  private callHash = 0;
  private readonly sessionHash: number;
  /** The policy, read once (its name is a parsed string, which compares by its characters): turns a prompt keeps (Infinity: all), and the history length that calls for a summary (Infinity: never). */
  private readonly windowTurns: number;
  private readonly summariseAfter: number;

  private readonly system: Segment;

  constructor(
    private readonly sessionKey: string,
    systemTokens: number,
    private readonly policy: Policy,
  ) {
    this.system = { key: SYSTEM_KEY, tokens: systemTokens, hash: SYSTEM_HASH, markId: -1, markUntilMs: 0 };
    this.sessionHash = hashString(sessionKey);
    this.windowTurns = policy.policy === 'window' ? policy.turns : Infinity;
    this.summariseAfter = policy.policy === 'summarise' ? policy.after : Infinity;
  }

  /** The key of turn `turnIndex`, `<sessionKey>/t<turnIndex>`: its calls' keys extend it (the pipeline's request keys too). */
  turnKeyOf(turnIndex: number): string {
    this.keyTurn(turnIndex);
    return this.turnKey;
  }

  /** hashString(turnKeyOf(turnIndex)). */
  turnHashOf(turnIndex: number): number {
    this.keyTurn(turnIndex);
    return this.turnHash;
  }

  /** The key of call `callIndex` of turn `turnIndex`, `<turn key>/c<callIndex>`: the key of the answer it adds to the conversation too. */
  callKeyOf(turnIndex: number, callIndex: number): string {
    this.keyCall(turnIndex, callIndex);
    return this.callKey;
  }

  /** hashString(callKeyOf(turnIndex, callIndex)). */
  callHashOf(turnIndex: number, callIndex: number): number {
    this.keyCall(turnIndex, callIndex);
    return this.callHash;
  }

  private keyTurn(turnIndex: number): void {
    if (turnIndex === this.keyedTurn) return;
    const suffix = turnSuffix(turnIndex);
    this.keyedTurn = turnIndex;
    this.turnKey = this.sessionKey + suffix;
    this.turnHash = hashString(suffix, this.sessionHash);
    this.keyedCall = -1;
  }

  private keyCall(turnIndex: number, callIndex: number): void {
    this.keyTurn(turnIndex);
    if (callIndex === this.keyedCall) return;
    const suffix = callSuffix(callIndex);
    this.keyedCall = callIndex;
    this.callKey = this.turnKey + suffix;
    this.callHash = hashString(suffix, this.turnHash);
  }

  beginTurn(turnIndex: number, userTokens: number): void {
    this.keyTurn(turnIndex);
    this.current = [segmentAfter(this.turnKey, this.turnHash, '/u', userTokens)];
  }

  /** Segments of the next call's prompt. */
  prompt(): Segment[] {
    const h = this.history;
    const from = h.length > this.windowTurns ? h.length - this.windowTurns : 0;
    // Sized up front: growing by push over-allocates (16 spare slots) on every call.
    let n = (this.summary ? 2 : 1) + this.current.length;
    for (let i = from; i < h.length; i++) n += h[i]!.length;
    const out = new Array<Segment>(n);
    let k = 0;
    out[k++] = this.system;
    if (this.summary) out[k++] = this.summary;
    for (let i = from; i < h.length; i++) for (const seg of h[i]!) out[k++] = seg;
    for (const seg of this.current) out[k++] = seg;
    return out;
  }

  /** A call of this turn answered with `outputTokens`; a tool then added `toolResultTokens` (0 after the last call). */
  recordCall(callIndex: number, outputTokens: number, toolResultTokens: number): void {
    this.keyCall(this.keyedTurn, callIndex);
    this.current = appended(this.current, { key: this.callKey, tokens: outputTokens, hash: this.callHash, markId: -1, markUntilMs: 0 });
    if (toolResultTokens > 0) this.current = appended(this.current, segmentAfter(this.turnKey, this.turnHash, toolResultSuffix(callIndex), toolResultTokens));
  }

  endTurn(): void {
    this.history.push(this.current);
    this.current = emptyList();
  }

  /** Under `summarise`, the summarising call due before the next turn, if any. */
  summaryDue(): SummaryRequest | undefined {
    if (this.history.length < this.summariseAfter || this.policy.policy !== 'summarise') return undefined;
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
