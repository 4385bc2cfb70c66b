/**
 * `headroom loadtest raw`: one fixed request at maximum throughput (or a fixed rate) against a target,
 * for the gateway's own overhead (src/loadtest/raw.ts). Prints a short summary, or the RawReport as
 * JSON with `--json` / `--out`. Exit 0 when the target answered a request successfully (2xx); 2 when
 * no request got a response at all (nothing listening, wrong address); 99 when responses came but not
 * one was a 2xx (500 to everything): the run measured no latency, and a CI job gating on it must not
 * read it as a pass. The report is printed and written first in every case.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, ExitCode, HeadroomError } from '../../errors.js';
import { failureCounts, parseHeaders, runRaw, type RawReport } from '../../loadtest/raw.js';
import { checkTarget } from '../../loadtest/target.js';
import { durationArg } from '../options.js';
import { line, outFile, writeJson, type Io } from '../output.js';
import { progressBar } from '../progress.js';

export interface LoadtestRawOptions {
  target: string;
  connections: number;
  /** A duration with a unit, e.g. `10s`. */
  duration: string;
  /** Request path; default: the target URL's path, else `/`. */
  path?: string;
  /** Default: POST with a body, GET without. */
  method?: string;
  /** File whose bytes are the request body. */
  body?: string;
  /** `name: value`, repeatable. */
  header: string[];
  /** Fixed overall requests/s; absent: as fast as the target answers. */
  rate?: number;
  /** Per-request timeout, a duration with a unit. */
  timeout: string;
  apiKey?: string;
  allowRemote: boolean;
  json: boolean;
  out?: string;
}

async function readBody(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new HeadroomError(ErrorCode.fileNotFound, `--body: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** A few lines for people: the answer, then the figures a reader looks for. */
export function renderRawSummary(r: RawReport): string {
  const l = r.latency;
  const f = (x: number) => x.toFixed(3);
  const lines = [
    r.answer,
    '',
    `  requests/s    ${r.requests.perS.toFixed(0)} (2xx ${r.requests.okPerS.toFixed(0)}; one-second samples ${r.requests.perSecond.min}–${r.requests.perSecond.max})`,
    `  latency ms    p50 ${f(l.p50)}  p90 ${f(l.p90)}  p99 ${f(l.p99)}  max ${f(l.max)}  (2xx, ${l.count} samples)`,
    `  status        ${Object.entries(r.statusCodes).map(([s, c]) => `${s}: ${c}`).join('  ') || 'no responses'}`,
  ];
  if (r.errors.connection + r.errors.timeouts > 0) lines.push(`  transport     connection errors ${r.errors.connection}, timeouts ${r.errors.timeouts}`);
  return lines.join('\n');
}

export async function loadtestRaw(io: Io, o: LoadtestRawOptions): Promise<number> {
  const target = checkTarget(o.target, o.allowRemote);
  const out = await outFile(o.out);
  // Their ranges (1s–10m, 1ms–2m) are runRaw's to check.
  const durationMs = durationArg(o.duration, '--duration', { positive: true });
  const timeoutMs = durationArg(o.timeout, '--timeout', { positive: true });
  const body = o.body !== undefined ? await readBody(o.body) : undefined;
  const headers = parseHeaders(o.header);
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  // A JSON body is the common case (the Messages API, turns); say so unless the user did.
  if (body && headers['content-type'] === undefined && /^\s*[[{]/.test(body.subarray(0, 64).toString())) headers['content-type'] = 'application/json';
  const path = o.path ?? `${target.pathname}${target.search}`;
  const method = (o.method ?? (body ? 'POST' : 'GET')).toUpperCase();

  if (!o.json) line(io, `raw load: ${method} ${target.origin}${path} with ${o.connections} connections for ${o.duration}${o.rate ? ` at ${o.rate} requests/s` : ''}…`);
  const bar = io.isTty && !o.json ? progressBar(io, 'loadtest raw') : undefined;
  let report: RawReport;
  try {
    report = await runRaw({
      origin: target.origin,
      path,
      method,
      headers,
      ...(body ? { body } : {}),
      connections: o.connections,
      durationMs,
      timeoutMs,
      ...(o.rate !== undefined ? { rate: o.rate } : {}),
      ...(bar ? { onProgress: bar.update } : {}),
    });
  } finally {
    bar?.stop();
  }

  if (o.json) writeJson(io, report);
  else line(io, renderRawSummary(report));
  await out?.(`${JSON.stringify(report, null, 2)}\n`);
  if (report.requests.completed === 0) {
    io.err.write(`error: ${target.origin} answered no request (${report.errors.connection} connection errors, ${report.errors.timeouts} timeouts); is it running and listening there?\n`);
    return ExitCode.badInput;
  }
  if (report.requests.ok === 0) {
    const n = report.requests.completed;
    io.err.write(`error: every request failed: ${target.origin} answered ${n.toLocaleString('en-US')} request${n === 1 ? '' : 's'}, none with a 2xx status (${failureCounts(report.errors)}); no latency was measured, so the run is not a pass\n`);
    return ExitCode.gateFailed;
  }
  return ExitCode.ok;
}
