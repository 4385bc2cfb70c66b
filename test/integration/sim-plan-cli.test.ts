/**
 * `headroom sim plan` as a user runs it — the built CLI (bin/headroom.js → dist) on the bundled
 * scenarios, shortened with --duration so the file runs in seconds: the answer first, exit 0 / 99 / 2,
 * a JSON document of the documented shape, and the same JSON from the same command twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, flat, runBin, timeless } from '../helpers/bin.js';
import { PlanSchema, type PlanDocument } from '../../src/sim/plan-schema.js';

const SUPPORT = 'scenarios/support-agent.yaml';
const SHORT = ['--duration', '15m'];
const dir = mkdtempSync(join(tmpdir(), 'headroom-plan-'));

beforeAll(() => assertBuilt());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sim plan answers', () => {
  it('the support agent: the fewest workers first, then a table of every count simulated; exit 0', async () => {
    const r = await runBin(['sim', 'plan', SUPPORT, ...SHORT]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(flat(r.stdout)).toMatch(/^2 workers meet every SLO \(turn latency p95 [\d.]+s ≤ 8s, error rate 0\.0% ≤ 1\.0%\); 1 fails \(turn latency p95 [\d.]+s > 8s, error rate [\d.]+% > 1\.0%\)\./);
    expect(flat(r.stdout)).toContain('With planning.headroom 2× plan for 4 (simulated: meets every SLO).');
    expect(flat(r.stdout)).toMatch(/At 2 workers: \$[\d,]+\/day, \$0\.0\d+ per conversation\./);
    expect(r.stdout).toMatch(/^WORKERS +slots +turn p50 +p95 +p99 +errors +util\. +binding +cost\/day +SLOs$/m);
    expect(r.stdout).toMatch(/^ {2}2 +20 .*✓ pass ◀ answer$/m);
    expect(r.stdout).toMatch(/^ {2}1 +10 .*✗ turn p95, errors$/m);
    expect(r.stdout).toMatch(/^ {2}4 simulations in [\d.]+m?s \(order 3 → 2 → 1 → 4\)$/m);
    expect(r.stdout).toContain('seed 42 at every count');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(100);
  }, 30_000);

  it('the research agent (a second bundled scenario): an answer, its count passing, the one below failing', async () => {
    const r = await runBin(['sim', 'plan', 'scenarios/research-agent.yaml', '--duration', '40m', '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as PlanDocument;
    const n = d.result.workers!;
    expect(d.result.status).toBe('pass');
    expect(d.trials.find((t) => t.workers === n)?.pass).toBe(true);
    expect(d.trials.find((t) => t.workers === n - 1)?.pass).toBe(false);
    expect(d.answer).toMatch(new RegExp(`^${n} workers meet every SLO .*; ${n - 1} fails? \\(queue wait p95`));
  }, 30_000);

  it('exit 99 when no count passes: a provider limit no worker count helps, named in the answer', async () => {
    const r = await runBin(['sim', 'plan', SUPPORT, ...SHORT, '--set', 'models.sonnet.limits.rpm=60']);
    expect(r.code).toBe(99);
    expect(flat(r.stdout)).toMatch(/^No worker count from 1 to 30 meets every SLO: at 30 workers, turn latency p95 [\d.]+m > 8s, error rate [\d.]+% > 1\.0%\./);
    expect(flat(r.stdout)).toContain('The sonnet RPM limit caps throughput there');
    expect(flat(r.stdout)).toContain('no worker count serves everyone — raise the limit');
  }, 30_000);

  it('exit 0 without SLOs: nothing to search, the report’s own estimate', async () => {
    const r = await runBin(['sim', 'plan', SUPPORT, ...SHORT, '--set', 'slo={}']);
    expect(r.code).toBe(0);
    expect(flat(r.stdout)).toMatch(/^support-agent has no SLOs, so there is no target to search for: its report estimates 3 workers/);
    expect(r.stdout).not.toContain('WORKERS');
  }, 30_000);
});

describe('sim plan --json / --out', () => {
  it('writes a versioned plan with every trial and the full report of the answer; the same twice', async () => {
    const out = join(dir, 'plan.json');
    const [a, b] = await Promise.all([runBin(['sim', 'plan', SUPPORT, ...SHORT, '--json', '--out', out]), runBin(['sim', 'plan', SUPPORT, ...SHORT, '--json'])]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    const d = JSON.parse(a.stdout) as PlanDocument;
    const parsed = PlanSchema.safeParse(d);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    expect(d).toMatchObject({ schemaVersion: 1, kind: 'plan', scenario: { file: SUPPORT, overrides: ['duration=15m'], name: 'support-agent', seed: 42, configuredWorkers: 3 } });
    expect(d.result).toEqual({ status: 'pass', workers: 2, largestFailing: 1, recommended: { workers: 4, pass: true }, diagnosis: null });
    expect(d.search).toMatchObject({ minWorkers: 1, maxWorkers: 30, maxWorkersFrom: 'conversations', simulations: 4, order: [3, 2, 1, 4], monotone: true, violations: [], exhausted: false });
    expect(d.trials.map((t) => [t.workers, t.pass])).toEqual([
      [1, false],
      [2, true],
      [3, true],
      [4, true],
    ]);
    expect(d.report).toMatchObject({ schemaVersion: 3, kind: 'simulation', scenario: { seed: 42, workers: { count: 2 } }, slo: { pass: true } });
    expect(d.answer).toMatch(/^2 workers meet every SLO /);
    // The same command twice, and --out beside --json: the same document, wall times apart.
    expect(timeless(b.stdout)).toEqual(timeless(a.stdout));
    expect(timeless(readFileSync(out, 'utf8'))).toEqual(timeless(a.stdout));
  }, 40_000);

  it('a failing plan is still written in full, with exit 99', async () => {
    const r = await runBin(['sim', 'plan', SUPPORT, ...SHORT, '--max-workers', '1', '--json']);
    expect(r.code).toBe(99);
    const d = JSON.parse(r.stdout) as PlanDocument;
    expect(d.result).toMatchObject({ status: 'fail', workers: null, diagnosis: 'stillQueued', recommended: null });
    expect(d.report.scenario.workers.count).toBe(1);
  }, 30_000);
});

// Concurrent: each is a process start and a parse, nothing simulated.
describe.concurrent('sim plan refuses bad input with exit 2, before simulating', () => {
  it.each([
    ['--min-workers above --max-workers', ['--min-workers', '5', '--max-workers', '3'], 'HEADROOM_ERR_BAD_ARGUMENT: --max-workers 3 is below --min-workers 5'],
    ['a --min-workers that is not a number', ['--min-workers', 'lots'], 'HEADROOM_ERR_BAD_ARGUMENT: --min-workers: expected a number, found "lots"'],
    ['a fractional --max-workers', ['--max-workers', '2.5'], 'HEADROOM_ERR_BAD_ARGUMENT: --max-workers: expected a whole number from 1 to 100000, found 2.5'],
    ['--max-workers twice', ['--max-workers', '2', '--max-workers', '3'], 'HEADROOM_ERR_BAD_ARGUMENT: --max-workers: expected one value'],
    ['a bad --set, located at the argument', ['--set', 'workers.count=abc'], '--set workers.count=abc: workers.count: expected'],
    ['a bad --duration', ['--duration', '15 minutes'], 'HEADROOM_ERR_BAD_ARGUMENT: --duration: expected'],
    ['a bad --seed', ['--seed', '-1'], 'HEADROOM_ERR_BAD_ARGUMENT: --seed: expected a whole number'],
    [
      'a run far too large to finish',
      ['--set', 'users.dailyActive=1e9', '--set', 'users.concurrencyRatio=100%', '--set', 'duration=31d', '--set', 'warmup=1h'],
      'HEADROOM_ERR_SCENARIO_INVALID: scenarios/support-agent.yaml: a run would simulate about',
    ],
  ])('%s', async (_what, args, message) => {
    const r = await runBin(['sim', 'plan', SUPPORT, ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('internal error');
  }, 20_000);

  it('a missing file, as sim run says it', async () => {
    const [plan, run] = await Promise.all([runBin(['sim', 'plan', join(dir, 'nope.yaml')]), runBin(['sim', 'run', join(dir, 'nope.yaml')])]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toBe(run.stderr);
  }, 20_000);
});
