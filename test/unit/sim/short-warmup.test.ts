/**
 * A warm-up shorter than a mean conversation: the simulation starts empty, so the conversations in
 * flight are still building up when the window opens and its averages read low. det.yaml's
 * conversations take 5.5 s: with a 1 s warm-up the first 4.5 s of a 20 s window see fewer calls in
 * flight than the steady state's λW = 18.2/s × 5.5 s ≈ 100. The answer said nothing of it.
 */
import { describe, expect, it } from 'vitest';
import { runDet } from './det-scenario.js';

describe('a warm-up shorter than a mean conversation', () => {
  const short = runDet(['duration=21s', 'warmup=1s']);
  const enough = runDet(['duration=26s', 'warmup=6s']);

  it('reads low: the window starts before the calls in flight reach their steady state', () => {
    expect(short.capacity.inFlightCalls.mean).toBeLessThan(0.9 * enough.capacity.inFlightCalls.mean);
  });

  it('is said first in the answer, with the warm-up that covers a conversation', () => {
    expect(short.answer).toMatch(
      /^The warm-up \(1s\) is shorter than a mean conversation \(5\.5s\): the window opens before the conversations in flight build up, so its averages read low; set warmup to at least 6s\. /,
    );
  });

  it('is not said when the warm-up covers a mean conversation', () => {
    expect(enough.answer).not.toMatch(/warm-up/);
  });
});
