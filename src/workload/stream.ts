/**
 * Scenario + seed → a lazy, deterministic stream of sessions (DESIGN.md "workload"), used by the
 * simulator and the load tester alike.
 *
 * Determinism: arrival times come from one stream keyed (seed, "arrivals"); each session's content from
 * its own stream keyed (seed, "session", id); a repeated FAQ prompt's size from (seed, "faq", k). So a
 * session's content never depends on other sessions, a load-generator agent can skip sessions it does
 * not own without changing the ones it does, and the same seed gives a byte-identical stream.
 *
 * Memory: nothing is retained between sessions; a day of a million sessions streams in constant space.
 */
import { compileSampler, type Sampler } from '../scenario/distributions.js';
import { Rng } from '../scenario/rng.js';
import type { Scenario } from '../scenario/schema.js';
import { arrivalTimes, planArrivals, type ArrivalPlan } from './arrivals.js';
import type { Call, Session, Turn } from './types.js';

export interface StreamOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Stop generating arrivals at this time (default: the scenario's duration). */
  untilMs?: number;
  /** Only sessions for which this returns true get their content generated and yielded. */
  owns?: (sessionId: number) => boolean;
}

export class Workload {
  readonly plan: ArrivalPlan;
  readonly seed: number;
  private readonly s: Scenario;
  private readonly turns: Sampler;
  private readonly thinkTime: Sampler;
  private readonly calls: Sampler;
  private readonly toolLatency: Sampler;
  private readonly userTokens: Sampler;
  private readonly outputTokens: Sampler;
  private readonly toolResult: Sampler;
  private readonly faqKey: Sampler;
  private readonly priorityNames: string[];
  private readonly priorityCum: number[];

  constructor(scenario: Scenario, seed = scenario.seed) {
    this.s = scenario;
    this.seed = seed;
    this.plan = planArrivals(scenario);
    const c = scenario.conversation;
    this.turns = compileSampler(c.turns, true);
    this.thinkTime = compileSampler(c.thinkTime);
    this.calls = compileSampler(c.callsPerTurn, true);
    this.toolLatency = compileSampler(c.toolLatency);
    this.userTokens = compileSampler(c.tokens.userMessage, true);
    this.outputTokens = compileSampler(c.tokens.output, true);
    this.toolResult = compileSampler(c.tokens.toolResult, true);
    const p = scenario.prompts;
    this.faqKey = p.repeatShare > 0 ? compileSampler({ dist: 'zipf', n: p.distinct, s: p.zipfExponent }, true) : () => 0;
    const mix = Object.entries(scenario.users.priorityMix).filter(([, w]) => w > 0);
    this.priorityNames = mix.map(([n]) => n);
    let acc = 0;
    this.priorityCum = mix.map(([, w]) => (acc += w));
  }

  /** The sessions of the run, in arrival order. */
  *sessions(opts: StreamOptions = {}): Generator<Session> {
    const untilMs = opts.untilMs ?? this.s.duration;
    const seed = opts.seed ?? this.seed;
    let id = 0;
    for (const startAtMs of arrivalTimes(this.plan, seed, untilMs)) {
      const sid = id++;
      if (opts.owns && !opts.owns(sid)) continue;
      yield this.generate(seed, sid, startAtMs);
    }
  }

  /** The content of session `id` arriving at `startAtMs`: a pure function of (scenario, seed, id). */
  session(id: number, startAtMs: number): Session {
    return this.generate(this.seed, id, startAtMs);
  }

  private generate(seed: number, id: number, startAtMs: number): Session {
    const rng = new Rng(seed, 'session', id);
    const priority = this.pickPriority(rng);
    const nTurns = Math.max(1, this.turns(rng));
    const p = this.s.prompts;
    const turns: Turn[] = new Array(nTurns);
    const sessionKey = `s${id}`; // once, not per turn: a number-to-string and a concatenation fewer each
    for (let t = 1; t <= nTurns; t++) {
      const canRepeat = p.repeatShare > 0 && (p.turns === 'all' || t === 1);
      const repeated = canRepeat && rng.next() < p.repeatShare;
      let userTokens: number;
      let promptKey: string;
      let firstOutput: number | undefined;
      if (repeated) {
        const k = this.faqKey(rng);
        // A repeated prompt has the same size (and the same answer size) wherever it appears.
        const faq = new Rng(seed, 'faq', k);
        userTokens = Math.max(1, this.userTokens(faq));
        firstOutput = Math.max(1, this.outputTokens(faq));
        promptKey = `faq-${k}`;
      } else {
        userTokens = Math.max(1, this.userTokens(rng));
        promptKey = `${sessionKey}-t${t}`;
      }
      const nCalls = Math.max(1, this.calls(rng));
      const calls: Call[] = new Array(nCalls);
      for (let c = 1; c <= nCalls; c++) {
        const last = c === nCalls;
        calls[c - 1] = {
          index: c,
          outputTokens: c === 1 && firstOutput !== undefined ? firstOutput : Math.max(1, this.outputTokens(rng)),
          toolLatencyAfterMs: last ? 0 : this.toolLatency(rng),
          toolResultTokens: last ? 0 : this.toolResult(rng),
        };
      }
      turns[t - 1] = { index: t, userTokens, promptKey, repeated, calls, thinkTimeAfterMs: t === nTurns ? 0 : this.thinkTime(rng) };
    }
    return { id, startAtMs, priority, turns };
  }

  private pickPriority(rng: Rng): string {
    const names = this.priorityNames;
    if (names.length === 1) return names[0]!;
    const x = rng.next() * this.priorityCum[this.priorityCum.length - 1]!;
    for (let i = 0; i < names.length; i++) if (x < this.priorityCum[i]!) return names[i]!;
    return names[names.length - 1]!;
  }
}
