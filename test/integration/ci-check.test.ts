/**
 * `headroom ci check` as CI runs it: the built CLI (bin/headroom.js → dist/) spawned on the bundled
 * scenarios with a short --duration, its exit code and output checked. A stale dist/ would test old code,
 * so the suite first checks that dist/ is at least as new as every source file (`npm run build`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/core/metrics/report.js';
import { CheckDocumentSchema, type CheckDocument } from '../../src/ci/check-document.js';
import { assertBuilt, runBin, type BinResult as Run } from '../helpers/bin.js';

const SUPPORT = ['scenarios/support-agent.yaml', '--duration', '10m'];
// 50 minutes: the window takes in the scenario's ×3 spike at 40m, where 8 workers fall behind.
const RESEARCH = ['scenarios/research-agent.yaml', '--duration', '50m'];

/** `headroom <args>` from the repository root, as a user (or `npx headroom` in CI) runs it. */
const headroom = (args: string[]): Promise<Run> => runBin(args, 30_000);

let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'headroom-ci-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = (r: Run) => CheckDocumentSchema.parse(JSON.parse(r.stdout)) as CheckDocument;
/** The lines of the table (figure label first), by figure. */
const row = (r: Run, label: string) => r.stdout.split('\n').find((l) => l.startsWith(`  ${label} `)) ?? '';

describe('ci check on the support agent', () => {
  let baseline: string;

  it('--update-baseline creates the baseline (exit 0): a report of the run that parses strictly', async () => {
    baseline = join(dir, 'support-baseline.json');
    const r = await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT, '--update-baseline']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^BASELINE CREATED: there was no baseline to compare with\n/);
    expect(r.stdout).toContain(`baseline written to ${baseline}: commit it`);
    expect(r.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(readFileSync(baseline, 'utf8')));
    expect(report).toMatchObject({ kind: 'simulation', scenario: { name: 'support-agent', seed: 42, durationMs: 600_000 } });
  });

  it('an unchanged scenario passes (exit 0), every figure unchanged to the last digit', async () => {
    const r = await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('PASS: no regression beyond the limits (5 figures checked)');
    for (const label of ['throughput', 'cost per conversation', 'cost per day', 'turn p95']) expect(row(r, label)).toMatch(/ 0 % +[-+]\d+ % +ok$/);
    expect(row(r, 'error rate')).toMatch(/ 0 pp +\+0\.5 pp +ok$/);
    expect(r.code).toBe(0);

    const doc = json(await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT, '--json']));
    expect(doc.figures.map((f) => [f.figure, f.change, f.verdict])).toEqual([
      ['throughput', 0, 'pass'],
      ['costPerConversation', 0, 'pass'],
      ['costPerDay', 0, 'pass'],
      ['turnLatencyP95', 0, 'pass'],
      ['errorRate', 0, 'pass'],
    ]);
    expect(doc.figures.every((f) => f.baseline !== null && f.baseline === f.current)).toBe(true);
  });

  it('a pricier model is a cost regression: exit 99, the answer names both cost figures; --max-cost-increase off lets it pass', async () => {
    const pricier = ['--set', 'models.sonnet.id=claude-opus-5-5'];
    const r = await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT, ...pricier]);
    expect(r.stdout.split('\n')[0]).toMatch(/^FAIL: 2 regressions: cost per conversation \$0\.0\d+ → \$0\.0\d+ \(\+\d+\.\d %, limit \+5 %\); cost per day \$[\d,.]+ → \$[\d,.]+ \(\+\d+\.\d %, limit \+5 %\)$/);
    expect(row(r, 'cost per conversation')).toMatch(/REGRESSION$/);
    expect(row(r, 'throughput')).toMatch(/ok$/);
    expect(r.code).toBe(99);

    const off = await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT, ...pricier, '--max-cost-increase', 'off']);
    expect(off.stdout.split('\n')[0]).toBe('PASS: no regression beyond the limits (3 figures checked; 2 off)');
    expect(off.code).toBe(0);
  });

  it('one worker instead of three is a latency, throughput and error regression: exit 99; --out writes the result', async () => {
    const out = join(dir, 'check.json');
    const r = await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT, '--set', 'workers.count=1', '--out', out]);
    expect(r.stdout.split('\n')[0]).toMatch(/^FAIL: 3 regressions: throughput .*; turn p95 6\.74s → [\d.]+s \(\+\d+\.\d %, limit \+10 %\); error rate /);
    expect(r.code).toBe(99);
    const doc = CheckDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(doc).toMatchObject({ pass: false, regressions: 3, kind: 'ci-check', schemaVersion: 1 });
  });

  it('another seed is refused (exit 2) with the flag that replays the baseline', async () => {
    const r = await headroom(['ci', 'check', '--baseline', baseline, ...SUPPORT, '--seed', '43']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error HEADROOM_ERR_NOT_COMPARABLE: ');
    expect(r.stderr).toContain('(seed 42 vs 43)');
    expect(r.stderr).toContain("hint: replay the baseline's run with --seed 42;");
    expect(r.code).toBe(2);
  });

  it('a malformed baseline is exit 2 naming the file and the JSON path, without a stack trace', async () => {
    const bad = join(dir, 'bad-baseline.json');
    const report = JSON.parse(readFileSync(baseline, 'utf8')) as { cost: Record<string, unknown> };
    delete report.cost.perDayUsd;
    writeFileSync(bad, JSON.stringify(report));
    const r = await headroom(['ci', 'check', '--baseline', bad, ...SUPPORT]);
    expect(r.stderr.split('\n')[0]).toBe(`error HEADROOM_ERR_REPORT_INVALID: ${bad}: $.cost.perDayUsd: missing: expected a number`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
  });

  it('a missing baseline is exit 2 with the way to create it', async () => {
    const r = await headroom(['ci', 'check', '--baseline', join(dir, 'none.json'), ...SUPPORT]);
    expect(r.stderr).toContain(`error HEADROOM_ERR_FILE_NOT_FOUND: --baseline ${join(dir, 'none.json')}: the file does not exist`);
    expect(r.stderr).toContain('hint: create it from this run with --update-baseline');
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  });
});

describe('ci check on the research agent, against reports sim run wrote', () => {
  it('a baseline from `sim run --out` passes unchanged; fewer workers is a p95 regression (exit 99), from FILE and from --report alike', async () => {
    const base = join(dir, 'research-baseline.json');
    const fewer = join(dir, 'research-8-workers.json');
    // sim run exits 99 for the 8-worker run: it fails the scenario's SLO (that is sim run's gate, not ci check's).
    expect((await headroom(['sim', 'run', ...RESEARCH, '--out', base])).code).toBe(0);
    expect((await headroom(['sim', 'run', ...RESEARCH, '--set', 'workers.count=8', '--out', fewer])).code).toBe(99);

    const same = await headroom(['ci', 'check', '--baseline', base, ...RESEARCH]);
    expect(same.stdout.split('\n')[0]).toBe('PASS: no regression beyond the limits (5 figures checked)');
    expect(same.code).toBe(0);

    const simulated = json(await headroom(['ci', 'check', '--baseline', base, ...RESEARCH, '--set', 'workers.count=8', '--json']));
    const fromReport = json(await headroom(['ci', 'check', '--baseline', base, '--report', fewer, '--json']));
    for (const doc of [simulated, fromReport]) {
      expect(doc.pass).toBe(false);
      expect(doc.figures.find((f) => f.figure === 'turnLatencyP95')?.verdict).toBe('regression');
    }
    // The same figures either way: --report reads what sim run computed.
    expect(fromReport.figures).toEqual(simulated.figures);
    expect((await headroom(['ci', 'check', '--baseline', base, '--report', fewer])).code).toBe(99);
  });
});
