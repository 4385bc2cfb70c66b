/**
 * What a conversation costs, from the window's conversations (those that started in it), the same way in
 * the simulator and the load tester.
 *
 * A user whose turn is refused, dead-lettered or failed gives up: the conversation ends there, cut short,
 * having cost less or nothing. Averaged in, cut-short conversations made a saturated run's "$ per
 * conversation" read low (the support agent on 3 workers at 4× its traffic: $0.0105 where a conversation
 * costs $0.0228 once every one is served). They are counted and costed apart.
 *
 * The completed conversations alone are no fair sample either: turns are refused one by one, so a long
 * conversation is cut short more often than a short one, and the completed ones skew short ($0.0182 in
 * the same run). So the cost of a conversation is taken per planned number of turns — the mean of the
 * completed conversations that planned n turns, weighted by how many of the window's conversations
 * planned n — which puts back the mix of lengths the users asked for ($0.0228). With nothing cut short
 * it is exactly the plain mean. A length that no completed conversation had cannot be priced: those
 * conversations are counted (`unpriced`) and the weights are taken over the rest.
 */
import type { Report } from './report.js';

/** Per planned number of turns: conversations that ended, and the completed ones with their cost. */
interface ByLength {
  ended: number;
  completed: number;
  completedNanos: number;
}

export interface ConversationCostJSON {
  byTurns: [number, ByLength][];
  cutShort: number;
  cutShortNanos: number;
}

/** The cost of a conversation served in full, and what was left out of it. */
export interface ConversationCostSummary {
  /** Mean cost (USD) of a conversation with every turn answered, weighted to the planned lengths (above); 0 with none completed. */
  perConversationUsd: number;
  /** Conversations that ended with every turn answered. */
  completed: number;
  /** The cut-short conversations and their cost (nano-dollars), apart. */
  cutShort: Report['cost']['cutShort'];
}

export class ConversationCostTally {
  private readonly byTurns = new Map<number, ByLength>();
  private cutShort = 0;
  private cutShortNanos = 0;

  /** A conversation that planned `plannedTurns` ended, `completed` (every turn answered) or cut short, having cost `costNanos`. */
  ended(plannedTurns: number, costNanos: number, completed: boolean): void {
    let b = this.byTurns.get(plannedTurns);
    if (b === undefined) this.byTurns.set(plannedTurns, (b = { ended: 0, completed: 0, completedNanos: 0 }));
    b.ended++;
    if (completed) {
      b.completed++;
      b.completedNanos += costNanos;
    } else {
      this.cutShort++;
      this.cutShortNanos += costNanos;
    }
  }

  summary(): ConversationCostSummary {
    let weighted = 0;
    let priced = 0;
    let unpriced = 0;
    let completed = 0;
    for (const b of this.byTurns.values()) {
      completed += b.completed;
      if (b.completed === 0) unpriced += b.ended;
      else {
        // Whole nano-dollars: with nothing cut short the sum is exact, and so is the plain mean.
        weighted += b.ended === b.completed ? b.completedNanos : (b.ended * b.completedNanos) / b.completed;
        priced += b.ended;
      }
    }
    return {
      perConversationUsd: priced === 0 ? 0 : weighted / priced / 1e9,
      completed,
      cutShort: { conversations: this.cutShort, usd: this.cutShortNanos / 1e9, unpriced },
    };
  }

  toJSON(): ConversationCostJSON {
    return { byTurns: [...this.byTurns].map(([n, b]) => [n, { ...b }]), cutShort: this.cutShort, cutShortNanos: this.cutShortNanos };
  }

  /** Adds another load-generator process's tally (distributed load generation). */
  mergeFrom(o: ConversationCostJSON): void {
    for (const [n, x] of o.byTurns) {
      const b = this.byTurns.get(n);
      if (b === undefined) this.byTurns.set(n, { ...x });
      else {
        b.ended += x.ended;
        b.completed += x.completed;
        b.completedNanos += x.completedNanos;
      }
    }
    this.cutShort += o.cutShort;
    this.cutShortNanos += o.cutShortNanos;
  }
}
