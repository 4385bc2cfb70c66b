/**
 * `ci check`'s arguments and files, in-process (no simulation: the current figures come from --report,
 * written from one simulated report): options that do not go together, limits that do not parse, and
 * what --update-baseline will and will not overwrite. Each refusal is exit 2 with a hint, before any work.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { CheckDocumentSchema } from '../../../src/ci/check-document.js';
import { runCli } from '../../helpers/cli.js';
import { supportReport } from '../ci/fixture.js';

let dir: string;
let base: string;
let pricier: string;
const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-ci-input-'));
  const r = await supportReport();
  base = write('base.json', r);
  const p: Report = await supportReport();
  p.cost.perConversationUsd.mean *= 1.1;
  p.cost.perDayUsd *= 1.1;
  pricier = write('pricier.json', p);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ci check --report', () => {
  it('passes an unchanged report and fails a pricier one (exit 99) naming both cost figures', async () => {
    const same = await runCli(['ci', 'check', '--baseline', base, '--report', write('same.json', JSON.parse(readFileSync(base, 'utf8')))]);
    expect(same.stdout.split('\n')[0]).toBe('PASS: no regression beyond the limits (5 figures checked)');
    expect(same.code).toBe(0);
    const r = await runCli(['ci', 'check', '--baseline', base, '--report', pricier]);
    expect(r.stdout.split('\n')[0]).toMatch(/^FAIL: 2 regressions: cost per conversation \$0\.0232 → \$0\.0255 \(\+10\.0 %, limit \+5 %\); cost per day \$1,761\.96 → \$1,938\.15 \(\+10\.0 %, limit \+5 %\)$/);
    expect(r.code).toBe(99);
  });

  it('--json prints the versioned result alone; a wider limit passes', async () => {
    const r = await runCli(['ci', 'check', '--baseline', base, '--report', pricier, '--json', '--max-cost-increase', '12%']);
    const doc = CheckDocumentSchema.parse(JSON.parse(r.stdout));
    expect(doc.pass).toBe(true);
    expect(doc.figures.find((f) => f.figure === 'costPerDay')).toMatchObject({ limit: 0.12, verdict: 'pass' });
    expect(doc.figures.find((f) => f.figure === 'costPerDay')?.change).toBeCloseTo(0.1, 9);
    expect(r.code).toBe(0);
  });

  it('--update-baseline prints the comparison, writes the current report over the baseline and exits 0 though it regressed', async () => {
    const moving = write('moving.json', JSON.parse(readFileSync(base, 'utf8')));
    const r = await runCli(['ci', 'check', '--baseline', moving, '--report', pricier, '--update-baseline']);
    expect(r.stdout).toMatch(/^FAIL: 2 regressions/);
    expect(r.stdout).toContain(`baseline written to ${moving}: commit it`);
    expect(r.code).toBe(0);
    expect(readFileSync(moving, 'utf8')).toBe(readFileSync(pricier, 'utf8'));
    // …and the next check against it passes.
    expect((await runCli(['ci', 'check', '--baseline', moving, '--report', pricier])).code).toBe(0);
  });
});

describe('refused before any work (exit 2)', () => {
  it.each<[string, string[], string, string?]>([
    ['FILE and --report', ['scenarios/support-agent.yaml', '--report', 'x.json'], 'give a scenario FILE to simulate or --report with a report, not both'],
    ['neither FILE nor --report', [], 'ci check needs the current figures: a scenario FILE to simulate, or --report REPORT.json'],
    ['--seed, --set with --report', ['--report', 'x.json', '--seed', '3', '--set', 'workers.count=2'], '--seed, --set apply to simulating a scenario FILE; with --report the figures are those in x.json'],
    ['a bad limit', ['--report', 'x.json', '--max-latency-increase', '10'], '--max-latency-increase: expected a percentage from 0% to 100%', 'did you mean 10%?'],
    ['an error-rate limit in %', ['--report', 'x.json', '--max-error-rate-increase', '1%'], '--max-error-rate-increase: expected percentage points', '--max-error-rate-increase 1pp'],
    ['--out onto the baseline', ['--report', 'x.json', '--out', 'BASE'], 'is the baseline: the check\'s result would overwrite it'],
    ['--out onto the --report, by another spelling of its path', ['--report', 'x.json', '--out', './x.json'], '--out ./x.json is the --report: the check\'s result would overwrite it'],
  ])('%s', async (_what, args, message, hint) => {
    const r = await runCli(['ci', 'check', '--baseline', base, ...args.map((a) => (a === 'BASE' ? base : a))]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    if (hint) expect(r.stderr).toContain(hint);
  });

  it('a --report that is a loadtest raw report, naming what it is', async () => {
    const r = await runCli(['ci', 'check', '--baseline', base, '--report', write('raw.json', { schemaVersion: 1, kind: 'raw' })]);
    expect(r.stderr).toContain('HEADROOM_ERR_REPORT_INVALID');
    expect(r.stderr).toContain('a `headroom loadtest raw` report');
    expect(r.code).toBe(2);
  });
});

describe('--update-baseline and an existing file', () => {
  it('replaces a report of another schema version, saying so', async () => {
    const old = JSON.parse(readFileSync(base, 'utf8')) as Record<string, unknown>;
    old.schemaVersion = 2;
    const path = write('old.json', old);
    const r = await runCli(['ci', 'check', '--baseline', path, '--report', pricier, '--update-baseline']);
    expect(r.stdout.split('\n')[0]).toMatch(/^BASELINE REPLACED: nothing compared: the baseline was not a usable report \(\$\.schemaVersion: a report of schema version 2; /);
    expect(r.code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(pricier, 'utf8'));
  });

  it.each([
    ['another JSON file', '{ "name": "my-app", "version": "1.0.0" }\n'],
    ['a file that is not JSON', 'name: my-app\n'],
  ])('never overwrites %s (a mistyped path must not destroy it)', async (_what, content) => {
    const path = write('package-like.json', content);
    const r = await runCli(['ci', 'check', '--baseline', path, '--report', pricier, '--update-baseline']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--update-baseline will not overwrite ${path}: it is not a Headroom report`);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('creates a missing baseline only in a directory that exists, checked before any work', async () => {
    const r = await runCli(['ci', 'check', '--baseline', join(dir, 'no-such-dir', 'b.json'), '--report', pricier, '--update-baseline']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--baseline ${join(dir, 'no-such-dir', 'b.json')}: the directory ${join(dir, 'no-such-dir')} does not exist`);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });
});
