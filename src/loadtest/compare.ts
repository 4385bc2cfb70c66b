/**
 * Predicted (simulated) vs measured (load test) figures side by side. Figures that do not depend on
 * timing must agree exactly (sessions, turns, cache hits, tokens by model, cost to the cent);
 * timing-dependent ones agree within tolerances we measured and state in the README.
 */
import type { Report } from '../core/metrics/report.js';

export interface CompareRow {
  metric: string;
  predicted: number;
  measured: number;
  /** Relative error |m − p| / p (0 when both are 0). */
  error: number;
  /** 'exact' or the tolerated relative error. */
  tolerance: 'exact' | number;
  pass: boolean;
  unit: 'count' | 'usd' | 'ms' | 'per-s' | 'tokens';
}

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
  const rows: CompareRow[] = [
    row('sessions started', sim.population.sessionsStarted, live.population.sessionsStarted, 'exact', 'count'),
    row('turns', sim.turns.arrived, live.turns.arrived, 'exact', 'count'),
    row('cache hits', sim.turns.cacheHits, live.turns.cacheHits, 'exact', 'count'),
  ];
  const models = [...new Set([...Object.keys(sim.cost.byModel), ...Object.keys(live.cost.byModel)])].sort();
  for (const m of models) {
    const p = sim.cost.byModel[m];
    const q = live.cost.byModel[m];
    rows.push(row(`${m} calls`, p?.requests ?? 0, q?.requests ?? 0, 'exact', 'count'));
    rows.push(row(`${m} input tokens`, p?.inputTokens ?? 0, q?.inputTokens ?? 0, 'exact', 'tokens'));
    rows.push(row(`${m} output tokens`, p?.outputTokens ?? 0, q?.outputTokens ?? 0, 'exact', 'tokens'));
    rows.push(row(`${m} cache read tokens`, p?.cacheReadTokens ?? 0, q?.cacheReadTokens ?? 0, 'exact', 'tokens'));
    rows.push(row(`${m} cache write tokens`, (p?.cacheWrite5mTokens ?? 0) + (p?.cacheWrite1hTokens ?? 0), (q?.cacheWrite5mTokens ?? 0) + (q?.cacheWrite1hTokens ?? 0), 'exact', 'tokens'));
  }
  rows.push(
    row('cost in window', sim.cost.windowUsd, live.cost.windowUsd, 'exact', 'usd'),
    row('throughput (turns/s)', sim.throughput.turnsPerS, live.throughput.turnsPerS, TOLERANCES.throughput, 'per-s'),
    row('turn latency p50', sim.latency.turn.p50, live.latency.turn.p50, TOLERANCES.latencyP50, 'ms'),
    row('turn latency p95', sim.latency.turn.p95, live.latency.turn.p95, TOLERANCES.latencyP95, 'ms'),
    row('turn latency p99', sim.latency.turn.p99, live.latency.turn.p99, TOLERANCES.latencyP99, 'ms'),
    row('queue wait p95', sim.latency.queueWait.p95, live.latency.queueWait.p95, TOLERANCES.queueWait, 'ms'),
    row('429s seen', sim.events.providerFailures['429'] ?? 0, live.events.providerFailures['429'] ?? 0, TOLERANCES.rateLimited, 'count'),
  );
  return rows;
}
