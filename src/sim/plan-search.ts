/**
 * The search behind `sim plan`: the fewest workers for which every SLO passes, from as few simulations
 * as possible. Pure: it knows nothing of simulation, only a `probe(workers)` that says whether that
 * count passed and what the run itself estimated (the report's workers needed), so it is tested with
 * made-up outcomes (test/unit/sim/plan-search.test.ts).
 *
 * Order of probes: the configured count, then the first run's own estimate; from the estimate a gallop
 * (steps 1, 2, 4, … down from it when it passed, up when it failed, so an estimate off by one costs one
 * more run and one off by 100 about 7) until it crosses the answer, then bisection of the bracket
 * between the largest failing count and the smallest passing one above it. Then the count the answer
 * would be deployed at (× planning.headroom) is simulated too: the answer rests on "more workers pass"
 * there as well. A count that failed although no turn waited for a worker is a run the workers did not
 * shape: more play it the same way, so the search goes straight to the largest count to confirm it (a
 * cost or TTFT target out of reach: 2 or 3 runs, not 7).
 *
 * Monotonicity (more workers never turn a pass into a failure) is what bisection relies on. It usually
 * holds with common random numbers, but need not (more workers → more calls at once → a provider limit
 * binds). So it is not assumed where it can be checked: the answer is the smallest passing count above
 * *every* failing count simulated, and each simulated pass below a simulated failure is reported.
 */

/** What one simulation at a worker count said. */
export interface Probe {
  /** Every SLO passed. */
  pass: boolean;
  /** The run's own estimate of the workers needed (report `capacity.workersNeeded`). */
  workersNeeded: number;
  /**
   * Whether any turn waited for a worker slot or was refused one (default true). When none did, the
   * workers never constrained the run, and more would play it the same way: after such a failure the
   * search tries the largest count at once, to confirm, instead of galloping towards it.
   */
  waited?: boolean;
}

export interface SearchOptions {
  /** Fewest and most workers searched (inclusive). */
  min: number;
  max: number;
  /** The first count simulated (the scenario's configured count; clamped into [min, max]). */
  start: number;
  /** The count an answer is deployed at (planning.headroom); simulated when it is above the answer and within [min, max]. */
  recommend: (workers: number) => number;
  /** Most simulations; a safety net: the search needs about 2·log₂(max − min) + 3. */
  budget?: number;
}

/** A pass below a failure: where the SLO result was not monotone in workers. */
export interface Violation {
  passed: number;
  failed: number;
}

export interface SearchResult {
  /** The smallest count that passed with no failing count simulated above it; undefined when there is none. */
  workers: number | undefined;
  /** The largest count simulated that failed (undefined: none did). */
  largestFailing: number | undefined;
  /** Counts in the order they were simulated. */
  order: number[];
  outcomes: ReadonlyMap<number, Probe>;
  /** Each failing count with a passing count below it, paired with the largest such pass. */
  violations: Violation[];
  /** The budget ran out before the bracket closed: `workers`, if any, is only an upper bound. */
  exhausted: boolean;
}

export const DEFAULT_BUDGET = 64;

class BudgetSpent extends Error {}

export function searchWorkers(probe: (workers: number) => Probe, o: SearchOptions): SearchResult {
  if (!(Number.isInteger(o.min) && Number.isInteger(o.max) && o.min >= 1 && o.min <= o.max)) throw new RangeError(`bad search bounds ${o.min}–${o.max}`);
  const budget = o.budget ?? DEFAULT_BUDGET;
  const outcomes = new Map<number, Probe>();
  const order: number[] = [];
  const clamp = (n: number) => Math.min(o.max, Math.max(o.min, Math.round(n)));
  const run = (n: number): Probe => {
    let r = outcomes.get(n);
    if (r) return r;
    if (order.length >= budget) throw new BudgetSpent();
    r = probe(n);
    outcomes.set(n, r);
    order.push(n);
    return r;
  };
  /** The largest failing count, and the smallest passing one above it. */
  const bracket = (): { fail: number | undefined; pass: number | undefined } => {
    let fail: number | undefined;
    for (const [n, r] of outcomes) if (!r.pass && (fail === undefined || n > fail)) fail = n;
    let pass: number | undefined;
    for (const [n, r] of outcomes) if (r.pass && (fail === undefined || n > fail) && (pass === undefined || n < pass)) pass = n;
    return { fail, pass };
  };

  let exhausted = false;
  try {
    const first = run(clamp(o.start));
    // Gallop away from the estimate, towards where the answer must lie, until the gallop crosses it.
    let gallop: 'up' | 'down' | undefined = run(clamp(first.workersNeeded)).pass ? 'down' : 'up';
    let up = 1;
    let down = 1;
    for (;;) {
      const { fail, pass } = bracket();
      const below = fail ?? o.min - 1; // nothing below min is searched: it counts as failing
      if (pass === undefined) {
        if (below >= o.max) break; // the largest count failed: no answer within the bounds
        const unconstrained = outcomes.get(below)?.waited === false;
        if (run(unconstrained ? o.max : clamp(below + up)).pass) gallop = undefined;
        up *= 2;
      } else if (pass === below + 1) {
        const r = o.recommend(pass);
        if (r <= pass || r > o.max || outcomes.has(r)) break;
        // If the deployed count fails, the bracket moves above it and the search gallops on from there.
        if (!run(r).pass) up = 1;
      } else if (gallop === 'down') {
        if (!run(Math.max(below + 1, pass - down)).pass) gallop = undefined;
        down *= 2;
      } else if (gallop === 'up') {
        if (run(Math.min(pass - 1, below + up)).pass) gallop = undefined;
        up *= 2;
      } else run(Math.floor((below + pass) / 2));
    }
  } catch (e) {
    if (!(e instanceof BudgetSpent)) throw e;
    exhausted = true;
  }
  const { fail, pass } = bracket();
  return { workers: pass, largestFailing: fail, order, outcomes, violations: violations(outcomes), exhausted };
}

/** Every failing count with a pass below it, paired with the largest such pass, in order of count. */
export function violations(outcomes: ReadonlyMap<number, Probe>): Violation[] {
  const counts = [...outcomes.keys()].sort((a, b) => a - b);
  const found: Violation[] = [];
  let lastPass: number | undefined;
  for (const n of counts) {
    if (outcomes.get(n)!.pass) lastPass = n;
    else if (lastPass !== undefined) found.push({ passed: lastPass, failed: n });
  }
  return found;
}
