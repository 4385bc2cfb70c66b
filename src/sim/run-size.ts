/**
 * How much a run asks of the simulator, known before it starts: the turns the workload will play. A
 * scenario can ask for more than any machine simulates in a working day (a billion daily users for 31
 * days is some 10¹³ turns), and a run that long looks like a hang: no output, no end. `sim run` refuses
 * such a run up front and says what to shrink.
 */
import type { Scenario } from '../scenario/schema.js';
import { meanCountAtLeast1, planArrivals } from '../workload/arrivals.js';

/**
 * At most this many expected turns per run: about four hours at the ~70,000 turns/s a support-agent day
 * runs at on one core (bench/sim.ts), where the bundled scenarios need well under a million.
 */
export const MAX_SIM_TURNS = 1e9;

/** Expected turns of a run: sessions arriving over `duration` (at the arrival profile's mean rate) × turns per session. */
export function expectedTurns(s: Scenario): number {
  const plan = planArrivals(s);
  return plan.baseRatePerS * (s.duration / 1000) * plan.meanMultiplier(0, s.duration) * meanCountAtLeast1(s.conversation.turns);
}
