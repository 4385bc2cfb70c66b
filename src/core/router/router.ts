/**
 * Model routing: ordered rules on request features, weighted splits, and a fallback chain with a
 * cooldown per failed model. The simulator and the runtime share one Router per run, so for the same
 * scenario they pick the same model for the same request.
 *
 * Performance: the config is compiled once into flat rule records with numeric bounds (a missing
 * condition becomes ±Infinity, so matching is five comparisons and no branches on presence). A rule or
 * default that names one model returns a decision object built once at construction; only splits
 * allocate (one small object), and every explanation string is built lazily, on first read.
 */
import { hashString } from '../../scenario/rng.js';
import type { Scenario } from '../../scenario/schema.js';
import type { FailureKind } from '../types.js';

/** The scenario's `router` section after `normalise` (so `default` is always set). */
export type RouterConfig = Scenario['router'];

/** What routing looks at; the workload decides these values, so sim and live see the same ones. */
export interface RouteFeatures {
  /**
   * Identity that weighted splits hash. Its granularity is the caller's choice: a session key keeps a
   * conversation on one model (its prompt cache stays warm), a per-call key spreads calls.
   */
  requestKey: string;
  /** Queue priority class. */
  priority: string;
  inputTokens: number;
  /** 1-based turn of the conversation. */
  turn: number;
  /** 1-based call within the turn's agent loop. */
  call: number;
}

/** A routing decision. Treat as immutable: decisions of single-model rules are shared between calls. */
export interface RouteDecision {
  readonly model: string;
  /** Index in `router.rules` of the rule that matched; -1 for the default and for `fallback()` answers. */
  readonly ruleIndex: number;
  /** Index in `router.fallback` when the model came from the chain instead of the rule; otherwise -1. */
  readonly fallbackIndex: number;
  /** One line for reports, e.g. `rules[1] (priority=batch) → haiku`; built on first read. */
  readonly explanation: string;
}

/**
 * Which failures put the failed model in cooldown. Every FailureKind is a provider-side condition that
 * is likely to persist for seconds (rate limit, overload, outage, network), so all of them do; the
 * Record is exhaustive so that a new kind (say a client error) has to take a side here.
 */
export const STARTS_COOLDOWN: Readonly<Record<FailureKind, boolean>> = {
  '429': true, '529': true, '500': true, '502': true, '503': true, '504': true, timeout: true, connection: true,
};

class Decision implements RouteDecision {
  private text: string | undefined;
  /** `bucket` < 0: `head` is the whole explanation; otherwise `head` is a split's description. */
  constructor(
    readonly model: string,
    readonly modelIndex: number,
    readonly ruleIndex: number,
    readonly fallbackIndex: number,
    private readonly head: string,
    private readonly bucket = -1,
  ) {}

  get explanation(): string {
    return (this.text ??= this.bucket < 0 ? this.head : `${this.head} → ${this.model} (bucket ${this.bucket.toFixed(4)})`);
  }
}

/** Uniform in [0, 1) from a string: FNV-1a, then murmur3's finaliser so that keys differing in one character land far apart. */
export function splitBucket(key: string): number {
  let h = hashString(key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Where a rule or the default sends a request: one model (a shared decision) or a weighted split. */
class Target {
  private readonly fixed: Decision | undefined;
  private readonly names: string[] = [];
  private readonly indices: number[] = [];
  /** Cumulative normalised weights; the last is exactly 1 so every bucket in [0, 1) finds an arm. */
  private readonly cumulative: number[] = [];
  private readonly head: string;

  /** `nameAt(indexOf(m))` is the scenario's own string for model `m` (its key in `models`), which the decisions carry. */
  constructor(use: string | Record<string, number>, label: string, private readonly ruleIndex: number, indexOf: (m: string) => number, nameAt: (i: number) => string) {
    if (typeof use === 'string') {
      this.head = `${label} → ${use}`;
      // The key's string, not the rule's (a parsed copy): components compare model names by identity first.
      this.fixed = new Decision(nameAt(indexOf(use)), indexOf(use), ruleIndex, -1, this.head);
      return;
    }
    // Zero-weight arms are dropped: they can never be picked, and skipping them keeps the scan short.
    const arms = Object.entries(use).filter(([, w]) => w > 0);
    const total = arms.reduce((s, [, w]) => s + w, 0);
    if (arms.length === 0) throw new Error(`router: ${label} has a split without a weight above 0`);
    let acc = 0;
    for (const [model, w] of arms) {
      this.indices.push(indexOf(model));
      this.names.push(nameAt(indexOf(model)));
      this.cumulative.push((acc += w) / total);
    }
    this.cumulative[this.cumulative.length - 1] = 1;
    const shares = arms.map(([m, w]) => `${m} ${+((100 * w) / total).toFixed(1)}%`).join(' / ');
    this.head = `${label} split ${shares}`;
  }

  pick(requestKey: string): Decision {
    if (this.fixed !== undefined) return this.fixed;
    const u = splitBucket(requestKey);
    const cum = this.cumulative;
    let i = 0;
    while (u >= cum[i]!) i++;
    return new Decision(this.names[i]!, this.indices[i]!, this.ruleIndex, -1, this.head, u);
  }
}

/** A rule with every condition present: absent bounds are ±Infinity, an absent priority list is null. */
class CompiledRule {
  constructor(
    readonly priorities: readonly string[] | null,
    readonly minInputTokens: number,
    readonly maxInputTokens: number,
    readonly minTurn: number,
    readonly maxTurn: number,
    readonly minCall: number,
    readonly target: Target,
  ) {}

  matches(f: RouteFeatures): boolean {
    if (f.inputTokens < this.minInputTokens || f.inputTokens > this.maxInputTokens) return false;
    if (f.turn < this.minTurn || f.turn > this.maxTurn || f.call < this.minCall) return false;
    const p = this.priorities;
    if (p === null) return true;
    for (let i = 0; i < p.length; i++) if (p[i] === f.priority) return true;
    return false;
  }
}

function describeWhen(w: RouterConfig['rules'][number]['when']): string {
  const parts: string[] = [];
  if (w.priority !== undefined) parts.push(Array.isArray(w.priority) ? `priority∈{${w.priority.join(',')}}` : `priority=${w.priority}`);
  if (w.minInputTokens !== undefined) parts.push(`inputTokens≥${w.minInputTokens}`);
  if (w.maxInputTokens !== undefined) parts.push(`inputTokens≤${w.maxInputTokens}`);
  if (w.minTurn !== undefined) parts.push(`turn≥${w.minTurn}`);
  if (w.maxTurn !== undefined) parts.push(`turn≤${w.maxTurn}`);
  if (w.minCall !== undefined) parts.push(`call≥${w.minCall}`);
  return parts.length === 0 ? 'always' : parts.join(', ');
}

/**
 * Picks a model per request: the first rule whose conditions all hold (bounds inclusive), else the
 * default; a split picks by a stable hash of `requestKey`, so two Router instances (simulator and
 * server) agree. Models that failed recently are skipped until their cooldown ends.
 *
 * @example
 * const r = new Router(scenario.router, Object.keys(scenario.models));
 * let d = r.route(features, now);                         // d.model, d.explanation
 * d = r.fallback(d.model, '529', [d.model], now) ?? fail; // next model, sonnet now cooling down
 */
export class Router {
  private readonly rules: CompiledRule[];
  private readonly defaultTarget: Target;
  private readonly names: readonly string[];
  private readonly index = new Map<string, number>();
  /** Model indices of `router.fallback`, in order. */
  private readonly chain: number[];
  /** Per model index: cooling down while nowMs < this. */
  private readonly coolUntilMs: Float64Array;
  private readonly cooldownMs: number;

  constructor(config: RouterConfig, modelNames: readonly string[]) {
    this.names = [...modelNames];
    this.names.forEach((m, i) => this.index.set(m, i));
    const indexOf = (m: string) => this.indexOf(m);
    const nameAt = (i: number) => this.names[i]!;
    this.rules = config.rules.map((rule, i) => {
      const w = rule.when;
      const target = new Target('use' in rule ? rule.use : rule.split, `rules[${i}] (${describeWhen(w)})`, i, indexOf, nameAt);
      const priorities = w.priority === undefined ? null : Array.isArray(w.priority) ? [...w.priority] : [w.priority];
      return new CompiledRule(priorities, w.minInputTokens ?? -Infinity, w.maxInputTokens ?? Infinity, w.minTurn ?? -Infinity, w.maxTurn ?? Infinity, w.minCall ?? -Infinity, target);
    });
    this.defaultTarget = new Target(config.default, 'default', -1, indexOf, nameAt);
    this.chain = config.fallback.map(indexOf);
    this.coolUntilMs = new Float64Array(this.names.length).fill(-Infinity);
    this.cooldownMs = config.cooldown;
  }

  /**
   * The model for a request. Deterministic in (features, cooldown state): with no model cooling down it
   * depends on the features alone. If the chosen model is cooling down, the first fallback that is not
   * cooling down is returned instead (`fallbackIndex` ≥ 0, explanation says so); if every candidate is
   * cooling down the chosen model is returned anyway: trying it beats failing the request unasked, and
   * the breaker and retry policy decide what happens next.
   */
  route(f: RouteFeatures, nowMs: number): RouteDecision {
    const rules = this.rules;
    let d: Decision | undefined;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.matches(f)) {
        d = r.target.pick(f.requestKey);
        break;
      }
    }
    d ??= this.defaultTarget.pick(f.requestKey);
    return this.coolUntilMs[d.modelIndex]! <= nowMs ? d : this.substitute(d, nowMs);
  }

  /**
   * Next model to try after `failed` failed with `kind`: the first model of the fallback chain that is
   * not `failed`, not in `attempted` and not cooling down; undefined if none. Starts (or extends)
   * `failed`'s cooldown to `nowMs + cooldown` when `STARTS_COOLDOWN[kind]`.
   */
  fallback(failed: string, kind: FailureKind, attempted: readonly string[], nowMs: number): RouteDecision | undefined {
    const fi = this.coolDown(failed, kind, nowMs);
    let skipped = '';
    for (let j = 0; j < this.chain.length; j++) {
      const m = this.chain[j]!;
      const name = this.names[m]!;
      if (m === fi) continue;
      if (attempted.includes(name)) skipped += `, ${name} attempted`;
      else if (this.coolUntilMs[m]! > nowMs) skipped += `, ${name} cooling down`;
      else return new Decision(name, m, -1, j, `${failed} ${kind} → fallback[${j}] ${name}${skipped && ` (skipped${skipped.slice(1)})`}`);
    }
    return undefined;
  }

  /**
   * Starts (or extends) `failed`'s cooldown to `nowMs + cooldown` when `STARTS_COOLDOWN[kind]`: later
   * requests route around it. Also for a failure that no fallback follows (the retry policy gave up, or
   * does not retry that kind): its model is as unhealthy as any. Returns the model's index.
   */
  coolDown(failed: string, kind: FailureKind, nowMs: number): number {
    const fi = this.indexOf(failed);
    if (STARTS_COOLDOWN[kind]) this.coolUntilMs[fi] = Math.max(this.coolUntilMs[fi]!, nowMs + this.cooldownMs);
    return fi;
  }

  /** Whether `model` is in a cooldown started at `nowMs` or before. */
  isCoolingDown(model: string, nowMs: number): boolean {
    return this.coolUntilMs[this.indexOf(model)]! > nowMs;
  }

  /** Off the hot path: only reached when the routed model is cooling down. */
  private substitute(d: Decision, nowMs: number): RouteDecision {
    const why = `${d.explanation}, cooling down until ${this.coolUntilMs[d.modelIndex]} ms`;
    for (let j = 0; j < this.chain.length; j++) {
      const m = this.chain[j]!;
      if (m !== d.modelIndex && this.coolUntilMs[m]! <= nowMs) return new Decision(this.names[m]!, m, d.ruleIndex, j, `${why} → fallback[${j}] ${this.names[m]}`);
    }
    return new Decision(d.model, d.modelIndex, d.ruleIndex, -1, `${why}; no fallback available, trying it anyway`);
  }

  private indexOf(model: string): number {
    const i = this.index.get(model);
    // Scenario validation (rules.ts) rejects unknown names, so reaching this is a wiring bug, not user input.
    if (i === undefined) throw new Error(`router: unknown model "${model}" (known: ${this.names.join(', ')})`);
    return i;
  }
}
