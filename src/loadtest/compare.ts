/**
 * Predicted (simulated) vs measured (load test) figures side by side. Figures that do not depend on
 * timing must agree exactly (sessions, turns, cache hits, tokens by model, cost to the cent);
 * timing-dependent ones agree within tolerances we measured and state in the README.
 */
import type { CompareRowSchema, Report } from '../core/metrics/report.js';
import type { z } from 'zod';

/** A row as the report's schema has it (core/metrics/report.ts), so `--json` output validates. */
export type CompareRow = z.infer<typeof CompareRowSchema>;

/** Tolerances for timing-dependent figures (README "Load testing"). */
export const TOLERANCES = { throughput: 0.05, latencyP50: 0.15, latencyP95: 0.2, latencyP99: 0.3, queueWait: 0.5, rateLimited: 0.5 } as const;

/** Below these absolute differences a timing figure agrees whatever its relative error (near-zero values). */
const ABSOLUTE_SLACK: Partial<Record<CompareRow['unit'], number>> = { ms: 100, count: 2 };

function row(metric: string, predicted: number, measured: number, tolerance: CompareRow['tolerance'], unit: CompareRow['unit']): CompareRow {
  const error = predicted === 0 ? (measured === 0 ? 0 : 1) : Math.abs(measured - predicted) / Math.abs(predicted);
  const diff = Math.abs(measured - predicted);
  const pass = tolerance === 'exact' ? (unit === 'usd' ? diff < 0.005 : measured === predicted) : error <= tolerance || diff <= (ABSOLUTE_SLACK[unit] ?? 0);
  return { metric, predicted, measured, error, tolerance, pass, unit };
}

export function compareReports(sim: Report, live: Report): CompareRow[] {
  // Exact rows: the window's cohort (sessions that started in it, with all their turns) is the same
  // set of requests in both halves whatever the timing; per-window counts are not.
  const p = sim.cohort;
  const q = live.cohort;
  const rows: CompareRow[] = [
    row('sessions (cohort)', p.sessions, q.sessions, 'exact', 'count'),
    row('turns (cohort)', p.turns, q.turns, 'exact', 'count'),
    row('answered (cohort)', p.answered, q.answered, 'exact', 'count'),
    row('cache hits (cohort)', p.cacheHits, q.cacheHits, 'exact', 'count'),
  ];
  const models = [...new Set([...Object.keys(p.byModel), ...Object.keys(q.byModel)])].sort();
  for (const m of models) {
    const a = p.byModel[m];
    const b = q.byModel[m];
    rows.push(row(`${m} calls`, a?.requests ?? 0, b?.requests ?? 0, 'exact', 'count'));
    rows.push(row(`${m} input tokens`, a?.inputTokens ?? 0, b?.inputTokens ?? 0, 'exact', 'tokens'));
    rows.push(row(`${m} output tokens`, a?.outputTokens ?? 0, b?.outputTokens ?? 0, 'exact', 'tokens'));
    rows.push(row(`${m} cache read tokens`, a?.cacheReadTokens ?? 0, b?.cacheReadTokens ?? 0, 'exact', 'tokens'));
    rows.push(row(`${m} cache write tokens`, (a?.cacheWrite5mTokens ?? 0) + (a?.cacheWrite1hTokens ?? 0), (b?.cacheWrite5mTokens ?? 0) + (b?.cacheWrite1hTokens ?? 0), 'exact', 'tokens'));
  }
  rows.push(
    row('cost (cohort)', p.costNanos / 1e9, q.costNanos / 1e9, 'exact', 'usd'),
    row('throughput (turns/s)', sim.throughput.turnsPerS, live.throughput.turnsPerS, TOLERANCES.throughput, 'per-s'),
    row('turn latency p50', sim.latency.turn.p50, live.latency.turn.p50, TOLERANCES.latencyP50, 'ms'),
    row('turn latency p95', sim.latency.turn.p95, live.latency.turn.p95, TOLERANCES.latencyP95, 'ms'),
    row('turn latency p99', sim.latency.turn.p99, live.latency.turn.p99, TOLERANCES.latencyP99, 'ms'),
    row('queue wait p95', sim.latency.queueWait.p95, live.latency.queueWait.p95, TOLERANCES.queueWait, 'ms'),
    row('429s seen', sim.events.providerFailures['429'] ?? 0, live.events.providerFailures['429'] ?? 0, TOLERANCES.rateLimited, 'count'),
  );
  return rows;
}
