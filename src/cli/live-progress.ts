/**
 * A live status line for load tests on a terminal: elapsed (real and scenario) time, turns done,
 * throughput over the last few seconds, p95 latency so far, errors and late sends. Redrawn at most
 * every 500 ms on stderr; nothing when not a TTY.
 */
import type { TurnResult } from '../loadtest/measure.js';
import { formatDuration } from '../scenario/units.js';
import type { Io } from './output.js';

export class LiveProgress {
  private readonly startedAt = Date.now();
  private done = 0;
  private errors = 0;
  private recent: number[] = [];
  private latencies: number[] = [];
  private lastDraw = 0;
  /** A status line is on screen without its newline. */
  private open = false;

  constructor(
    private readonly io: Io,
    private readonly timeScale: number,
    private readonly scenarioMs: number,
  ) {}

  turn(r: TurnResult): void {
    this.done++;
    if (r.status !== 'ok' && r.status !== 'cache-hit') this.errors++;
    else this.latencies.push(r.endedAtMs - r.sentAtMs); // the target's latency, as in the report
    const now = Date.now();
    this.recent.push(now);
    if (now - this.lastDraw > 500) this.draw(now);
  }

  /** Prints a line of its own (e.g. the drain announcement) below the status line. */
  note(text: string): void {
    this.stop();
    this.io.err.write(`${text}\n`);
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.open = true;
    this.recent = this.recent.filter((t) => now - t < 5000);
    if (this.latencies.length > 20_000) this.latencies = this.latencies.slice(-10_000);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const p95 = sorted.length ? sorted[Math.floor(0.95 * (sorted.length - 1))]! : 0;
    const realMs = now - this.startedAt;
    const pct = Math.min(100, Math.round(((realMs * this.timeScale) / this.scenarioMs) * 100));
    const rate = this.recent.length / Math.min(5, Math.max(realMs / 1000, 0.5));
    this.io.err.write(
      `\r${formatDuration(realMs)} real · ${formatDuration(realMs * this.timeScale)} scenario (${pct}%) · ${this.done.toLocaleString('en-US')} turns · ${rate.toFixed(1)}/s · p95 ${formatDuration(p95)} · ${this.errors} errors   `,
    );
  }

  stop(): void {
    if (this.open) this.io.err.write('\n');
    this.open = false;
  }
}
