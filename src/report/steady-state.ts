/**
 * What keeps a run's window from a steady state, said first in the answers of both the simulator and
 * the load tester (both start with no conversation under way and measure over duration − warmup).
 */
import type { Scenario } from '../scenario/schema.js';
import { formatDuration } from '../scenario/units.js';

/** Conversations a suggested run's window covers: enough for the turns in it to reach a steady state. */
const CONVERSATIONS_TO_RUN = 10;

type Window = Pick<Scenario, 'duration' | 'warmup'>;

/**
 * When the window is shorter than a mean conversation, most of its turns end after it and its samples
 * see almost none in flight (1 s of det.yaml: 0 calls in flight, "you need 1 worker", where 55 s
 * later 100 are).
 */
function shortWindow(s: Window, meanSessionMs: number, figures: string): string | undefined {
  const windowMs = s.duration - s.warmup;
  if (windowMs >= meanSessionMs) return undefined;
  const runMs = Math.ceil((s.warmup + CONVERSATIONS_TO_RUN * meanSessionMs) / 60_000) * 60_000;
  return (
    `The window (${formatDuration(windowMs)}) is shorter than a mean conversation (${formatDuration(meanSessionMs)}): few of its turns end in it and nothing reaches a steady state, ` +
    `so the figures below are ${figures}; run at least --duration ${formatDuration(runMs)}.`
  );
}

/**
 * When the warm-up is shorter than a mean conversation, the run (which starts empty) is still filling
 * up as the window opens, and the window's averages read low: support-agent with 40 turns (22 min
 * conversations), 5 min of warm-up and a 30 min window simulated 10.7 calls in flight on average,
 * where a 60 min warm-up gives 13.9.
 */
function shortWarmup(s: Window, meanSessionMs: number): string | undefined {
  if (s.warmup >= meanSessionMs) return undefined;
  const unitMs = meanSessionMs < 60_000 ? 1000 : 60_000;
  const warmupMs = Math.ceil(meanSessionMs / unitMs) * unitMs;
  return (
    `The warm-up (${formatDuration(s.warmup)}) is shorter than a mean conversation (${formatDuration(meanSessionMs)}): the window opens before the conversations in flight build up, ` +
    `so its averages read low; set warmup to at least ${formatDuration(warmupMs)}.`
  );
}

/** The sentences that apply, in the order to say them; `figures` says what the figures are not ("not a prediction"). */
export function steadyStateWarnings(s: Window, meanSessionMs: number, figures: string): string[] {
  return [shortWindow(s, meanSessionMs, figures), shortWarmup(s, meanSessionMs)].filter((x): x is string => x !== undefined);
}
