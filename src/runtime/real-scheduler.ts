/**
 * The runtime's Scheduler: wall-clock time, optionally compressed by `timeScale` (K virtual ms pass per
 * real ms), so a scenario hour can be replayed in a minute against a mock provider that is compressed
 * by the same factor.
 */
import type { Scheduler } from '../core/scheduler.js';

export class RealScheduler implements Scheduler {
  private readonly originReal: number;
  private readonly originVirtual: number;

  constructor(
    private readonly timeScale = 1,
    startMs?: number,
  ) {
    this.originReal = performance.now();
    this.originVirtual = startMs ?? Date.now();
  }

  now(): number {
    return this.originVirtual + (performance.now() - this.originReal) * this.timeScale;
  }

  at(atMs: number, fn: () => void): NodeJS.Timeout {
    return setTimeout(fn, Math.max(0, (atMs - this.now()) / this.timeScale));
  }

  cancel(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
