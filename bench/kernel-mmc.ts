/**
 * The event kernel on its own: an M/M/c queue (Poisson arrivals, exponential service, c servers, FIFO)
 * written directly on `VirtualScheduler`, with no pipeline, no workload and no metrics beyond the mean
 * wait. Its events/s is the ceiling the simulator could reach; its mean wait is checked against Erlang
 * C so the figure is known to come from a working model. Used by bench/sim.ts.
 */
import { VirtualScheduler } from '../src/core/scheduler.js';
import { Rng } from '../src/scenario/rng.js';

export interface MMcOptions {
  events: number;
  servers: number;
  /** ρ = λ / (c μ), < 1. */
  utilisation: number;
}

export interface MMcResult extends MMcOptions {
  eventsPerS: number;
  /** Measured mean wait in queue, seconds of virtual time. */
  meanWaitS: number;
  /** Erlang C's mean wait for the same λ, μ, c. */
  erlangCWaitS: number;
}

const SERVICE_MEAN_MS = 1000;

/** Erlang C: mean wait in queue of an M/M/c queue, in the units of 1/mu. */
export function erlangCWait(lambda: number, mu: number, c: number): number {
  const a = lambda / mu;
  let term = 1;
  let sum = 1; // Σ_{k<c} a^k / k!
  for (let k = 1; k < c; k++) sum += term *= a / k;
  const last = (term * a) / c; // a^c / c!
  const pWait = last / (1 - a / c) / (sum + last / (1 - a / c));
  return pWait / (c * mu - lambda);
}

export function runMMc(o: MMcOptions): MMcResult {
  const s = new VirtualScheduler();
  const rng = new Rng(1, 'bench-mmc');
  const interArrivalMs = SERVICE_MEAN_MS / (o.utilisation * o.servers);
  const exp = (meanMs: number) => -Math.log(rng.nextOpen()) * meanMs;
  // FIFO of arrival times: an array with a moving head, compacted now and then (no shift() per pop).
  let queue: number[] = [];
  let head = 0;
  let busy = 0;
  let waitSumMs = 0;
  let served = 0;

  const startService = (arrivedAtMs: number) => {
    waitSumMs += s.now() - arrivedAtMs;
    served++;
    s.at(s.now() + exp(SERVICE_MEAN_MS), depart);
  };
  const depart = () => {
    if (head < queue.length) {
      startService(queue[head++]!);
      if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
    } else busy--;
  };
  const arrive = () => {
    if (busy < o.servers) {
      busy++;
      startService(s.now());
    } else queue.push(s.now());
    s.at(s.now() + exp(interArrivalMs), arrive);
  };

  // Warm-up (JIT and the queue's steady state), then a timed run of `events`.
  s.at(0, arrive);
  const warm = Math.min(o.events, 500_000);
  while (s.executed < warm) s.step();
  waitSumMs = 0;
  served = 0;
  const start = s.executed;
  const t0 = performance.now();
  while (s.executed - start < o.events) s.step();
  const wallS = (performance.now() - t0) / 1000;
  const lambda = 1 / interArrivalMs;
  return {
    ...o,
    eventsPerS: (s.executed - start) / wallS,
    meanWaitS: waitSumMs / served / 1000,
    erlangCWaitS: erlangCWait(lambda, 1 / SERVICE_MEAN_MS, o.servers) / 1000,
  };
}
