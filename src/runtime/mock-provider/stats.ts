/**
 * What the mock provider received and answered, for tests and for load-test reports
 * (`GET /_headroom/stats`). Counts are per HTTP request to `/v1/messages`; usage sums what successful
 * answers reported, so a load test can compare the provider's view with its own.
 */
import type { Usage } from '../../core/types.js';

/** A snapshot of the counters; plain JSON. */
export interface MockProviderStats {
  /** Requests to POST /v1/messages, whatever became of them (including 400 / 401 / 413). */
  received: number;
  /** Responses by HTTP status, e.g. `{ "200": 40, "429": 3 }`. */
  byStatus: Record<string, number>;
  /** Successful answers sent as an event stream. */
  streamed: number;
  /** Requests that carried a decodable `x-headroom-request` header. */
  withWireHeader: number;
  /** Requests whose client went away (or that close() aborted) before the answer was complete. */
  aborted: number;
  /** Requests being answered now. */
  inFlight: number;
  /** Received requests per real-time minute since the mock started (index 0 = the first minute). */
  receivedPerMinute: number[];
  /** Token usage reported in successful answers. */
  usage: Usage;
}

const MINUTE_MS = 60_000;

/** Mutable counters behind {@link MockProviderStats}. Real time only matters for `receivedPerMinute`. */
export class StatsCounter {
  private startedAt = performance.now();
  private s = StatsCounter.empty();

  private static empty(): MockProviderStats {
    return {
      received: 0,
      byStatus: {},
      streamed: 0,
      withWireHeader: 0,
      aborted: 0,
      inFlight: 0,
      receivedPerMinute: [],
      usage: { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    };
  }

  received(): void {
    this.s.received++;
    const minute = Math.floor((performance.now() - this.startedAt) / MINUTE_MS);
    const perMinute = this.s.receivedPerMinute;
    while (perMinute.length <= minute) perMinute.push(0);
    perMinute[minute]!++;
  }

  responded(status: number): void {
    this.s.byStatus[status] = (this.s.byStatus[status] ?? 0) + 1;
  }

  wireHeader(): void {
    this.s.withWireHeader++;
  }

  streamed(): void {
    this.s.streamed++;
  }

  aborted(): void {
    this.s.aborted++;
  }

  inFlight(delta: 1 | -1): void {
    this.s.inFlight += delta;
  }

  used(u: Usage): void {
    const t = this.s.usage;
    t.inputTokens += u.inputTokens;
    t.outputTokens += u.outputTokens;
    t.cacheWrite5mTokens += u.cacheWrite5mTokens;
    t.cacheWrite1hTokens += u.cacheWrite1hTokens;
    t.cacheReadTokens += u.cacheReadTokens;
  }

  /** Zeroes every counter but `inFlight` (requests still running will finish and decrement it). */
  reset(): void {
    const inFlight = this.s.inFlight;
    this.s = StatsCounter.empty();
    this.s.inFlight = inFlight;
    this.startedAt = performance.now();
  }

  /** A deep copy, safe to keep or serialise. */
  snapshot(): MockProviderStats {
    return structuredClone(this.s);
  }
}
