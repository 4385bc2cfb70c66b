/**
 * The window's cohort: sessions that started in the measurement window, with every turn they took.
 * Unlike "turns in the window", this does not depend on timing (a slower system shifts turns across
 * the window's edge, but not between sessions), so the simulator and a live replay of the same
 * scenario and seed must agree on it exactly — token for token, nano-dollar for nano-dollar.
 */
import { addCharge } from '../cost/types.js';
import type { Usage } from '../types.js';
import type { Cohort } from './report.js';
import { ModelMap } from '../model-map.js';

type ModelTotals = Cohort['byModel'][string];

export class CohortTally {
  sessions = 0;
  turns = 0;
  answered = 0;
  cacheHits = 0;
  costNanos = 0;
  private readonly byModel = new ModelMap<ModelTotals>();

  session(): void {
    this.sessions++;
  }

  turn(status: string, charges: readonly { model: string; usage: Usage; costNanos: number }[]): void {
    this.turns++;
    if (status === 'ok' || status === 'cache-hit') this.answered++;
    if (status === 'cache-hit') this.cacheHits++;
    for (let i = 0; i < charges.length; i++) {
      const c = charges[i]!;
      addCharge(this.byModel, c.model, c.usage, c.costNanos);
      this.costNanos += c.costNanos;
    }
  }

  /** Adds another process's cohort (distributed load generation). */
  mergeFrom(o: Cohort): void {
    this.sessions += o.sessions;
    this.turns += o.turns;
    this.answered += o.answered;
    this.cacheHits += o.cacheHits;
    this.costNanos += o.costNanos;
    for (const [model, t] of Object.entries(o.byModel)) {
      const m = this.byModel.get(model);
      if (!m) this.byModel.set(model, { ...t });
      else for (const f of Object.keys(t) as (keyof typeof t)[]) m[f] += t[f];
    }
  }

  report(): Cohort {
    const byModel = Object.fromEntries([...this.byModel].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { ...v }]));
    return { sessions: this.sessions, turns: this.turns, answered: this.answered, cacheHits: this.cacheHits, costNanos: this.costNanos, byModel };
  }
}
