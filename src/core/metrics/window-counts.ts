/**
 * Counts of the measurement window [warmupMs, endMs) for the figures that must not depend on the chart
 * step (`report.step`): served throughput and provider limit use per minute. They are bucketed by the
 * minute counted from the window's start, so no bucket straddles warm-up or drain whatever the step
 * (a 7-minute step over a 5 m warm-up would otherwise pour warm-up and drain into the edge steps).
 * The time series for charts are kept per step, apart from these.
 */
import type { StepUsage } from './derive.js';
import { ModelMap } from '../model-map.js';

export const MINUTE_MS = 60_000;

export interface WindowCountsJSON {
  turnsAnswered: number;
  byModel: [string, StepUsage][];
}

export class WindowCounts {
  /** Turns answered (by the provider or the cache) that ended in the window. */
  turnsAnswered = 0;
  /**
   * Per model, per minute of the window (index 0 starts when warm-up ends; the last may be partial):
   * provider-admitted requests and the input (ITPM-counted) and output tokens, by call start.
   */
  readonly byModel = new ModelMap<StepUsage>();

  constructor(
    readonly warmupMs: number,
    readonly endMs: number,
  ) {}

  /** A turn was answered at `endedAtMs`. */
  answered(endedAtMs: number): void {
    if (endedAtMs >= this.warmupMs && endedAtMs < this.endMs) this.turnsAnswered++;
  }

  /** A provider call of `model` that counts against its limits started at `startedAtMs`. */
  call(model: string, startedAtMs: number, inputTokens: number, outputTokens: number): void {
    if (startedAtMs < this.warmupMs || startedAtMs >= this.endMs) return;
    const i = Math.floor((startedAtMs - this.warmupMs) / MINUTE_MS);
    let u = this.byModel.get(model);
    if (!u) this.byModel.set(model, (u = { requests: [], inputTokens: [], outputTokens: [] }));
    u.requests[i] = (u.requests[i] ?? 0) + 1;
    u.inputTokens[i] = (u.inputTokens[i] ?? 0) + inputTokens;
    u.outputTokens[i] = (u.outputTokens[i] ?? 0) + outputTokens;
  }

  toJSON(): WindowCountsJSON {
    const dense = (a: number[]) => Array.from(a, (v) => v ?? 0);
    return { turnsAnswered: this.turnsAnswered, byModel: [...this.byModel].map(([m, u]) => [m, { requests: dense(u.requests), inputTokens: dense(u.inputTokens), outputTokens: dense(u.outputTokens) }]) };
  }

  /** Adds another load-generator process's counts (distributed load generation). */
  mergeFrom(o: WindowCountsJSON): void {
    this.turnsAnswered += o.turnsAnswered;
    for (const [model, u] of o.byModel) {
      let m = this.byModel.get(model);
      if (!m) this.byModel.set(model, (m = { requests: [], inputTokens: [], outputTokens: [] }));
      for (const f of ['requests', 'inputTokens', 'outputTokens'] as const) u[f].forEach((v, i) => (m[f][i] = (m[f][i] ?? 0) + (v ?? 0)));
    }
  }
}
