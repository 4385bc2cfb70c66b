/**
 * Reads a report JSON that `headroom sim run --out` or `headroom loadtest --out` wrote (a baseline, or
 * `--report`), validated by the same zod schema the writers are held to (core/metrics/report.ts).
 * Whatever is wrong becomes HEADROOM_ERR_REPORT_INVALID (exit 2) naming the file and the JSON path of the
 * first problem (`ci/baseline.json: $.cost.perDayUsd: missing: expected a number`), never a stack trace:
 * not JSON (with line and column), another kind of file (a `loadtest raw` report, a `ci check` result,
 * any other JSON), a report of another schema version, or one edited out of shape.
 */
import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, HeadroomError } from '../errors.js';
import { REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../core/metrics/report.js';
import { explainIssues } from '../scenario/issues.js';
import type { PathSegment } from '../scenario/problems.js';
import { CHECK_KIND } from './check-document.js';

/** A report with `report.step: 1s` over a day is tens of MB; anything far beyond is not a report. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** `$.cost.byModel["claude-x"].usd`, `$.slo.checks[0]`: a JSON path as jq and JSONPath readers write it. */
export function jsonPath(path: readonly PathSegment[]): string {
  return `$${path.map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('')}`;
}

/** Line and column of a character offset, for a JSON syntax error. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

const invalid = (file: string, message: string, hint: string, details: string[] = []) => new HeadroomError(ErrorCode.reportInvalid, `${file}: ${message}`, { hint, details });

const REGENERATE = 'write it again with `headroom sim run FILE --out` or `headroom loadtest FILE --out` (or `headroom ci check … --update-baseline`)';

/** Whether the file exists (anything at the path: a directory is refused when read). */
export async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

/** What a parsed JSON value claims to be: a report's kind, another Headroom document, or nothing we know. */
export function claimedKind(json: unknown): 'simulation' | 'loadtest' | 'raw' | 'ci-check' | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const kind = (json as { kind?: unknown }).kind;
  return kind === 'simulation' || kind === 'loadtest' || kind === 'raw' || kind === CHECK_KIND ? kind : undefined;
}

/** The file's JSON, or HEADROOM_ERR_FILE_NOT_FOUND / HEADROOM_ERR_REPORT_INVALID. */
export async function readJson(file: string): Promise<unknown> {
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new HeadroomError(ErrorCode.fileNotFound, `${file}: cannot read the file: it does not exist or is not readable`, { hint: 'check the path (relative to the current directory)' });
  if (!st.isFile()) throw invalid(file, `not a regular file (${st.isDirectory() ? 'a directory' : 'a device, socket or pipe'})`, 'give the path of a report JSON file');
  if (st.size > MAX_REPORT_BYTES) throw invalid(file, `the file is ${(st.size / 1048576).toFixed(0)} MiB; reports are limited to ${MAX_REPORT_BYTES / 1048576} MiB`, 'give the path of a report JSON file');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new HeadroomError(ErrorCode.fileNotFound, `${file}: cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: "check the file's permissions" });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    throw invalid(file, `not JSON${at ? ` (line:column ${lineColumn(text, Number(at[1]))})` : ''}: ${message}`, REGENERATE);
  }
}

/** The report in `json` (read from `file`), checked strictly against ReportSchema. */
export function parseReport(json: unknown, file: string): Report {
  const kind = claimedKind(json);
  if (kind === 'raw') throw invalid(file, 'a `headroom loadtest raw` report (kind "raw"): it measures the gateway\'s overhead on one repeated request, not a scenario', 'ci check compares reports of `headroom sim run --out` or `headroom loadtest FILE --out`');
  if (kind === CHECK_KIND) throw invalid(file, 'a `headroom ci check` result, not a report', 'give the report it compared (--baseline, --report), not the check written by --out');
  if (kind === undefined) {
    const what = json === null || typeof json !== 'object' || Array.isArray(json) ? `$: expected a report (a JSON object), found ${Array.isArray(json) ? 'a list' : json === null ? 'null' : typeof json}` : `$.kind: expected "simulation" or "loadtest", found ${JSON.stringify((json as { kind?: unknown }).kind) ?? 'nothing'}`;
    throw invalid(file, `not a Headroom report: ${what}`, REGENERATE);
  }
  const version = (json as { schemaVersion?: unknown }).schemaVersion;
  if (version !== REPORT_SCHEMA_VERSION)
    throw invalid(file, `$.schemaVersion: a report of schema version ${JSON.stringify(version) ?? '(none)'}; this headroom reads version ${REPORT_SCHEMA_VERSION}`, `reports change meaning between versions (schema/report.schema.json); ${REGENERATE}`);
  const parsed = ReportSchema.safeParse(json);
  // The value as read, not zod's copy: the schema has no defaults or transforms, so they are equal, but
  // zod's lists keys in schema order, and a baseline rewritten from it (--update-baseline --report) would
  // show a reviewer every key moved.
  if (parsed.success) return json as Report;
  const problems = explainIssues(parsed.error.issues, json, () => []);
  const [first, ...rest] = problems;
  throw invalid(
    file,
    `${jsonPath(first!.path)}: ${first!.message}`,
    `the file breaks the report schema (schema/report.schema.json): was it edited, or written by another version? ${REGENERATE}`,
    rest.length > 0 ? [`(and ${rest.length} more problem${rest.length === 1 ? '' : 's'})`] : [],
  );
}

/** Reads and validates a report file (see parseReport). */
export async function readReport(file: string): Promise<Report> {
  return parseReport(await readJson(file), file);
}
