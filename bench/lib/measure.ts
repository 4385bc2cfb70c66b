/**
 * Timing helpers shared by the benches. Figures are wall-clock rates: best of several rounds after a
 * warm-up round, so the JIT has settled and a stray GC pause or a busy neighbour does not set the
 * number (the best round is the closest to what the code costs).
 */

/** Keeps results observable so the JIT cannot drop the work; read it once at the end. */
export const sink = { value: 0 };

/**
 * Best ops/s of `rounds` timed rounds of about `roundMs` each, after one untimed warm-up round.
 * `batch(i, n)` does `n` operations starting at running index `i` and returns a number (kept in `sink`).
 */
export function bestRate(batch: (start: number, n: number) => number, opts: { rounds: number; roundMs: number; batch?: number }): number {
  const n = opts.batch ?? 100_000;
  let i = 0;
  let best = 0;
  for (let round = -1; round < opts.rounds; round++) {
    let ops = 0;
    const t0 = process.hrtime.bigint();
    let elapsedNs = 0;
    do {
      sink.value += batch(i, n);
      i += n;
      ops += n;
      elapsedNs = Number(process.hrtime.bigint() - t0);
    } while (elapsedNs < opts.roundMs * 1e6);
    if (round >= 0) best = Math.max(best, (ops * 1e9) / elapsedNs);
  }
  return best;
}

/** `1234567.8` → `1,234,568`. */
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
