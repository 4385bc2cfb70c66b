/**
 * Raw mode: one fixed request sent as fast as the target answers (or at a fixed overall rate) by
 * autocannon, to measure the gateway's own overhead rather than a scenario's behaviour.
 *
 * Why not the scenario Report: that schema describes a *workload* (sessions, turns, cost, limits, a
 * scenario and seed) and is strict, with `kind` ∈ {simulation, loadtest}; a raw run has none of those,
 * and filling them with zeros would read as a measurement. So a raw run writes the smaller
 * `RawReport` below (`kind: 'raw'`), reusing what does fit: the latency summary shape
 * (`LatencySummarySchema`: count, mean, p50…p99, max in ms) and the histogram encoding of
 * `Report.histograms` (HDR in µs, compressed base64), so raw runs merge and diff like the others.
 *
 * Latency precision: autocannon records latencies into an integer-millisecond histogram, too coarse
 * for a gateway that answers in a fraction of a millisecond. We listen to its `response` event (the
 * client's own hrtime measurement, float ms) and record microseconds into our HDR histogram. That is
 * why this runs autocannon on the main thread (its worker mode does not forward `response`). Latency
 * covers 2xx responses only, so a fast error cannot flatter it; errors are counted by status.
 *
 * Rate: autocannon's `overallRate` is split over the connections and enforced per connection per
 * second — each connection sends its share back to back, then pauses until the next second — so
 * a fixed rate is bursts of `connections` concurrent requests, not evenly spaced arrivals. Latencies
 * are recorded as measured (autocannon's coordinated-omission correction assumes a 1 ms interval
 * whatever the rate, so it is not applied here).
 */
import autocannon from 'autocannon';
import { z } from 'zod';
import { encodeHistogram, newHistogram, recordMs, summarise } from '../core/metrics/histogram.js';
import { LatencySummarySchema, field } from '../core/metrics/report.js';
import { ErrorCode, HeadroomError } from '../errors.js';

export const RAW_REPORT_SCHEMA_VERSION = 1;

/** Bounds that keep a raw run from being aimed at anything by accident for long. */
export const RAW_LIMITS = { minDurationMs: 1_000, maxDurationMs: 600_000, maxConnections: 1_000, maxRate: 1_000_000, maxTimeoutMs: 120_000 } as const;

const { count } = field;

export const RawReportSchema = z
  .strictObject({
    schemaVersion: z.literal(RAW_REPORT_SCHEMA_VERSION).describe('Version of this report format'),
    kind: z.literal('raw').describe('A fixed-request maximum-throughput run (headroom loadtest raw)'),
    answer: z.string().describe('The result in one sentence: requests/s, latency, errors'),
    target: z
      .strictObject({
        url: z.string().describe('Origin and path requested'),
        method: z.string(),
        bodyBytes: count('Request body size (bytes)'),
        headers: z.array(z.string()).describe('Names of the headers sent (values are not recorded: they may hold keys)'),
      })
      .describe('The request sent, every time'),
    run: z
      .strictObject({
        connections: count('Connections kept open, each with one request in flight'),
        durationMs: z.number().nonnegative().describe('Duration asked for (ms); autocannon stops at its next one-second sample, so wallMs rounds up to whole seconds'),
        wallMs: z.number().nonnegative().describe('Measured duration of the run (ms)'),
        rate: z.number().positive().nullable().describe('Overall requests/s asked for; null: as fast as the target answers'),
      })
      .describe('How the run was driven'),
    requests: z
      .strictObject({
        completed: count('Responses received, any status'),
        ok: count('2xx responses'),
        perS: z.number().nonnegative().describe('Responses per second of wall time'),
        okPerS: z.number().nonnegative().describe('2xx responses per second of wall time'),
        perSecond: z.strictObject({ min: z.number().nonnegative(), max: z.number().nonnegative() }).describe('Slowest and fastest one-second sample of responses'),
      })
      .describe('Request counts and rates'),
    latency: LatencySummarySchema.describe('Latency of 2xx responses, request written → response complete (ms, µs resolution)'),
    statusCodes: z.record(z.string(), count('responses')).describe('Responses by HTTP status'),
    errors: z
      .strictObject({
        total: count('Non-2xx responses plus connection errors and timeouts'),
        rate: z.number().nonnegative().describe('total / (completed + connection errors + timeouts)'),
        byStatus: z.record(z.string(), count('responses')).describe('Non-2xx responses by HTTP status'),
        connection: count('Connection errors (refused, reset), timeouts excluded'),
        timeouts: count('Requests without a response within the timeout'),
      })
      .describe('What went wrong'),
    throughput: z.strictObject({ bytesPerS: z.number().nonnegative().describe('Response bytes per second, all statuses') }),
    histogram: z.string().describe('HDR histogram (µs) of 2xx latency, compressed base64 (hdr-histogram-js), mergeable'),
  })
  .describe('A raw load-test run: one fixed request at maximum throughput or a fixed rate');

export type RawReport = z.infer<typeof RawReportSchema>;

export interface RawOptions {
  /** Origin of the target, e.g. `http://127.0.0.1:8080` (check it with `checkTarget` first). */
  origin: string;
  /** Request path (with query), e.g. `/v1/messages`. */
  path: string;
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  connections: number;
  durationMs: number;
  /** Fixed overall requests/s (autocannon `overallRate`); absent: as fast as the target answers. */
  rate?: number;
  /** A request with no response after this long counts as a timeout (default 10 s). */
  timeoutMs?: number;
  /** Called about once a second with the share of the duration done (for a progress bar). */
  onProgress?: (done: number) => void;
}

/** Parses `name: value` headers (`--header`, repeatable); throws a HeadroomError on a malformed one. */
export function parseHeaders(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim().toLowerCase() : '';
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new HeadroomError(ErrorCode.badArgument, `--header: expected "name: value", found ${JSON.stringify(h)}`, { hint: 'e.g. --header "content-type: application/json"' });
    out[name] = h.slice(i + 1).trim();
  }
  return out;
}

function checkOptions(o: RawOptions): void {
  const bad = (flag: string, expected: string, found: unknown) => new HeadroomError(ErrorCode.badArgument, `${flag}: expected ${expected}, found ${JSON.stringify(found)}`);
  if (!Number.isInteger(o.connections) || o.connections < 1 || o.connections > RAW_LIMITS.maxConnections) throw bad('--connections', `a whole number from 1 to ${RAW_LIMITS.maxConnections}`, o.connections);
  if (!(o.durationMs >= RAW_LIMITS.minDurationMs && o.durationMs <= RAW_LIMITS.maxDurationMs)) throw bad('--duration', 'a duration from 1s to 10m', `${o.durationMs}ms`);
  if (o.rate !== undefined && !(o.rate >= 1 && o.rate <= RAW_LIMITS.maxRate)) throw bad('--rate', `requests/s from 1 to ${RAW_LIMITS.maxRate}`, o.rate);
  if (o.timeoutMs !== undefined && !(o.timeoutMs >= 1 && o.timeoutMs <= RAW_LIMITS.maxTimeoutMs)) throw bad('--timeout', 'a duration from 1ms to 2m', `${o.timeoutMs}ms`);
  if (!o.path.startsWith('/')) throw bad('--path', 'a path starting with /', o.path);
  if (!/^[A-Z]+$/.test(o.method)) throw bad('--method', 'an HTTP method such as GET or POST', o.method);
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const msText = (x: number) => (x < 10 ? `${+x.toFixed(2)} ms` : `${Math.round(x)} ms`);

/** What the requests met instead of a 2xx, by kind: "500 ×1,234, connection ×3, timeout ×1". */
export function failureCounts(e: RawReport['errors']): string {
  return [...Object.entries(e.byStatus).map(([s, c]) => `${s} ×${n(c)}`), ...(e.connection ? [`connection ×${n(e.connection)}`] : []), ...(e.timeouts ? [`timeout ×${n(e.timeouts)}`] : [])].join(', ');
}

/** The one-sentence answer: throughput, latency, errors. */
export function rawAnswer(r: Omit<RawReport, 'answer'>): string {
  const l = r.latency;
  const how = r.run.rate === null ? `with ${r.run.connections} connections` : `at ${n(r.run.rate)} requests/s asked (${r.run.connections} connections)`;
  const errors = r.errors.total === 0 ? 'no errors.' : `${(r.errors.rate * 100).toFixed(r.errors.rate < 0.001 ? 3 : 1)} % errors (${failureCounts(r.errors)}).`;
  const lat = l.count === 0 ? 'no successful response to time' : `latency p50 ${msText(l.p50)}, p90 ${msText(l.p90)}, p99 ${msText(l.p99)}, max ${msText(l.max)}`;
  return `${n(r.requests.perS)} requests/s (${n(r.requests.completed)} in ${+(r.run.wallMs / 1000).toFixed(2)} s ${how}, ${r.target.method} ${r.target.url}); ${lat}; ${errors}`;
}

/**
 * Runs one raw load test and reports it. Resolves when the duration is over; rejects with a
 * HeadroomError for bad options.
 *
 * @example
 *   const r = await runRaw({ origin: 'http://127.0.0.1:8080', path: '/healthz', method: 'GET', connections: 10, durationMs: 10_000 });
 *   console.log(r.answer); // "23,410 requests/s (…); latency p50 0.38 ms, …; no errors."
 */
export async function runRaw(o: RawOptions): Promise<RawReport> {
  checkOptions(o);
  const hist = newHistogram();
  const url = `${o.origin}${o.path}`;
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  // autocannon adds Content-Length for a body itself.
  const headers: Record<string, string> = { ...(o.headers ?? {}) };

  const startedAt = performance.now();
  let done!: (r: autocannon.Result) => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => ([done, fail] = [resolve, reject]));
  const instance = autocannon(
    {
      url,
      method: o.method as autocannon.Request['method'],
      headers,
      ...(body ? { body } : {}),
      connections: o.connections,
      duration: o.durationMs / 1000,
      ...(o.rate !== undefined ? { overallRate: o.rate } : {}),
      timeout: (o.timeoutMs ?? 10_000) / 1000,
    },
    (err, result) => (err ? fail(err instanceof Error ? err : new Error(String(err))) : done(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) recordMs(hist, responseTimeMs);
  });
  if (o.onProgress) {
    const progress = o.onProgress;
    instance.on('tick', () => progress(Math.min(1, (performance.now() - startedAt) / o.durationMs)));
  }
  const res = await finished;
  const wallMs = res.duration * 1000;

  const statusCodes: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  let completed = 0;
  let ok = 0;
  for (const [code, s] of Object.entries(res.statusCodeStats ?? {}) as [string, { count?: number }][]) {
    const c = Number(s.count ?? 0);
    statusCodes[code] = c;
    completed += c;
    if (code.startsWith('2')) ok += c;
    else byStatus[code] = c;
  }
  const timeouts = res.timeouts;
  const connection = Math.max(0, res.errors - timeouts);
  const nonOk = completed - ok;
  const attempts = completed + connection + timeouts;
  const perS = (x: number) => (wallMs > 0 ? (x / wallMs) * 1000 : 0);
  const base: Omit<RawReport, 'answer'> = {
    schemaVersion: RAW_REPORT_SCHEMA_VERSION,
    kind: 'raw',
    target: { url, method: o.method, bodyBytes: body?.length ?? 0, headers: Object.keys(headers).map((h) => h.toLowerCase()) },
    run: { connections: o.connections, durationMs: o.durationMs, wallMs, rate: o.rate ?? null },
    requests: { completed, ok, perS: perS(completed), okPerS: perS(ok), perSecond: { min: res.requests.min, max: res.requests.max } },
    latency: summarise(hist),
    statusCodes,
    errors: { total: nonOk + connection + timeouts, rate: attempts === 0 ? 0 : (nonOk + connection + timeouts) / attempts, byStatus, connection, timeouts },
    throughput: { bytesPerS: perS(res.throughput.total) },
    histogram: encodeHistogram(hist),
  };
  return { ...base, answer: rawAnswer(base) };
}
