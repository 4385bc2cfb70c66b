/**
 * A window shorter than a mean conversation: det.yaml over 1 s with no warm-up. Its 22 turns arrive
 * after its one sample (at 0) and end long after the window (each takes 5.5 s), so the sampled L is 0
 * while λW = 22/s × 5.5 s = 121: the report said "Little's law error 0%" (|L − λW| / L was taken as 0 when L = 0) and gave no
 * warning that nothing in it is a steady state.
 */
import { describe, expect, it } from 'vitest';
import { reportView } from '../../../src/report/sections.js';
import { runDet } from './det-scenario.js';

describe('a window shorter than a mean conversation', () => {
  const r = runDet(['duration=1s', 'warmup=0']);

  it('fails the Little’s law check: 100 % off, not 0 %', () => {
    expect(r.littlesLaw.L).toBe(0);
    expect(r.littlesLaw.lambdaPerS * (r.littlesLaw.WMs / 1000)).toBe(121);
    expect(r.littlesLaw.relativeError).toBe(1);
    expect(reportView(r).footer).toContain("Little's law error 100.0%");
  });

  it('is said first in the answer, with a run length that covers ten conversations', () => {
    expect(r.population.meanSessionMs).toBe(5500);
    expect(r.answer).toMatch(/^The window \(1s\) is shorter than a mean conversation \(5\.5s\): few of its turns end in it and nothing reaches a steady state, so the figures below are not a prediction; run at least --duration 1m\. /);
  });
});
