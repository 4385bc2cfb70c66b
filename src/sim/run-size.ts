/**
 * How much a run asks of the simulator, known before it starts: the turns the workload will play. A
 * scenario can ask for more than any machine simulates in a working day (a billion daily users for 31
 * days is some 10¹³ turns), and a run that long looks like a hang: no output, no end. `sim run` refuses
 * such a run up front and says what to shrink, or, with `--allow-huge-run`, warns and runs it; `sim plan`
 * and `sim compare` refuse it (checkRunSize).
 */
import { ErrorCode, HeadroomError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import { formatDuration } from '../scenario/units.js';
import { meanCountAtLeast1, planArrivals } from '../workload/arrivals.js';

/** Turns a second the simulator plays on one core, about: a support-agent day (bench/sim.ts). For estimates only. */
export const SIM_TURNS_PER_S = 70_000;

/**
 * At most this many expected turns per run, unless the user asks for more (`sim run --allow-huge-run`):
 * about four hours at SIM_TURNS_PER_S, where the bundled scenarios need well under a million.
 */
export const MAX_SIM_TURNS = 1e9;

/** Expected turns of a run: sessions arriving over `duration` (at the arrival profile's mean rate) × turns per session. */
export function expectedTurns(s: Scenario): number {
  const plan = planArrivals(s);
  return plan.baseRatePerS * (s.duration / 1000) * plan.meanMultiplier(0, s.duration) * meanCountAtLeast1(s.conversation.turns);
}

/**
 * Refuses a run longer than MAX_SIM_TURNS before it starts (HEADROOM_ERR_SCENARIO_INVALID, exit 2), with
 * what to shrink, as `sim run` does — for the commands that simulate a scenario several times (`sim plan`,
 * `sim compare`), where each run would take that long. They have no `--allow-huge-run`: several such runs
 * would take days.
 */
export function checkRunSize(s: Scenario, file: string, command: string): void {
  const turns = expectedTurns(s);
  if (turns <= MAX_SIM_TURNS) return;
  const hours = turns / SIM_TURNS_PER_S / 3600;
  throw new HeadroomError(
    ErrorCode.scenarioInvalid,
    `${file}: a run would simulate about ${turns.toPrecision(2)} turns, more than the ${MAX_SIM_TURNS.toExponential()} ${command} simulates in one run (about ${Number(hours.toPrecision(2))} hours of CPU at ~${SIM_TURNS_PER_S.toLocaleString('en-US')} turns/s, and ${command} runs several)`,
    {
      hint: `simulate the hour that matters (--duration 1h, with users.arrival.startHour at the peak) or fewer users; ${formatDuration(s.duration)} at ${Math.round(turns / (s.duration / 1000)).toLocaleString('en-US')} turns/s is what was asked`,
    },
  );
}
