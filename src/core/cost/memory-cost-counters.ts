/**
 * In-process `CostCounters`: one mutable totals record per model in a Map. The simulator adds once
 * per provider call, so `add` allocates nothing after a model's first request.
 */
import type { Usage } from '../types.js';
import type { CostCounters, CostTotals, ModelTotals } from './types.js';
import { addCharge, checkAdd } from './types.js';
import { ModelMap } from '../model-map.js';

/**
 * Memory implementation of `CostCounters` (semantics in ./types.ts); answers synchronously.
 *
 * @example
 * const counters = new MemoryCostCounters();
 * counters.add('haiku', usage, 1_250_000);
 * counters.totals().byModel.haiku.costNanos; // 1250000
 */
export class MemoryCostCounters implements CostCounters {
  private readonly byModel = new ModelMap<ModelTotals>();

  add(model: string, usage: Usage, costNanos: number): void {
    checkAdd(model, usage, costNanos);
    addCharge(this.byModel, model, usage, costNanos);
  }

  totals(): CostTotals {
    const byModel: Record<string, ModelTotals> = {};
    for (const [model, t] of this.byModel) byModel[model] = { ...t }; // a copy: callers may keep or mutate it
    return { byModel };
  }
}
