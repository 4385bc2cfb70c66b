/**
 * Report files as `ci check` reads them: a real report parses; everything else is HEADROOM_ERR_REPORT_INVALID
 * (exit 2) naming the file and the JSON path of the first problem, or the kind of file it is instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION } from '../../../src/core/metrics/report.js';
import { HeadroomError } from '../../../src/errors.js';
import { jsonPath, readReport } from '../../../src/ci/report-file.js';
import { supportReport } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-ci-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: unknown): string {
  const path = join(dir, `r${n++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

async function refusal(path: string): Promise<HeadroomError> {
  const e = await readReport(path).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof HeadroomError)) throw new Error(`expected a HeadroomError, got ${String(e)}`);
  return e;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

describe('a report file', () => {
  it('as sim run --out writes it, parses to the same report', async () => {
    const r = await supportReport();
    expect(await readReport(file(r))).toEqual(r);
  });

  it.each<[string, (r: Loose) => void, string]>([
    ['a missing field', (r) => delete r.cost.perDayUsd, '$.cost.perDayUsd: missing: expected a number'],
    ['a wrong type, deep', (r) => (r.latency.turn.p95 = 'fast'), '$.latency.turn.p95: expected a number, found "fast"'],
    ['an unknown key', (r) => (r.cost.byModel.sonnet.discount = 0), '$.cost.byModel.sonnet.discount: unknown key "discount"'],
    ['a key that is no identifier', (r) => (r.cost.byModel['claude x'] = 1), '$.cost.byModel["claude x"]: expected a mapping, found 1'],
    ['null in a list', (r) => (r.series.t[3] = null), '$.series.t[3]: expected a number, found null'],
    ['an unknown kind', (r) => (r.kind = 'prediction'), '$.kind: expected "simulation" or "loadtest", found "prediction"'],
  ])('with %s is refused at its JSON path', async (_what, mutate, message) => {
    const r = (await supportReport()) as unknown as Loose;
    mutate(r);
    const path = file(r);
    const e = await refusal(path);
    expect(e.code).toBe('HEADROOM_ERR_REPORT_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`${path}: ${message.startsWith('$.kind') ? `not a Headroom report: ${message}` : message}`);
  });

  it('says how many more problems there are', async () => {
    const r = (await supportReport()) as unknown as Loose;
    delete r.cost.perDayUsd;
    delete r.cost.perMonthUsd;
    expect((await refusal(file(r))).details).toEqual(['(and 1 more problem)']);
  });

  it('of another schema version is refused with the versions named', async () => {
    const r = (await supportReport()) as unknown as Loose;
    r.schemaVersion = 2;
    const e = await refusal(file(r));
    expect(e.message).toContain(`$.schemaVersion: a report of schema version 2; this headroom reads version ${REPORT_SCHEMA_VERSION}`);
    expect(e.hint).toContain('--update-baseline');
  });

  it('that is not JSON is refused with the line and column', async () => {
    const e = await refusal(file('{\n  "kind": "simulation",\n  oops\n}'));
    expect(e.code).toBe('HEADROOM_ERR_REPORT_INVALID');
    expect(e.message).toMatch(/: not JSON \(line:column 3:3\): /);
  });

  it.each<[string, unknown, string]>([
    ['a loadtest raw report', { schemaVersion: 1, kind: 'raw' }, 'a `headroom loadtest raw` report (kind "raw")'],
    ['a ci check result', { schemaVersion: 1, kind: 'ci-check' }, 'a `headroom ci check` result, not a report'],
    ['a list', [1, 2], 'not a Headroom report: $: expected a report (a JSON object), found a list'],
    ['another JSON file', { name: 'headroom', version: '0.1.0' }, 'not a Headroom report: $.kind: expected "simulation" or "loadtest", found nothing'],
  ])('that is %s is refused as such', async (_what, content, message) => {
    expect((await refusal(file(content))).message).toContain(message);
  });

  it('that does not exist is HEADROOM_ERR_FILE_NOT_FOUND; a directory is refused', async () => {
    expect((await refusal(join(dir, 'nope.json'))).code).toBe('HEADROOM_ERR_FILE_NOT_FOUND');
    expect((await refusal(dir)).message).toContain('not a regular file (a directory)');
  });
});

describe('jsonPath', () => {
  it('writes identifiers with dots, indices and other keys in brackets', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['limits', 'byModel', 'claude-haiku', 'rpm'])).toBe('$.limits.byModel["claude-haiku"].rpm');
    expect(jsonPath(['slo', 'checks', 0, 'pass'])).toBe('$.slo.checks[0].pass');
  });
});
