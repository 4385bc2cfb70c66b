/**
 * `headroom loadtest` in-process against targets that do not behave: nothing listening, a target
 * interrupted mid-run. The user gets a clear message and a non-zero exit code, never a stack trace,
 * and the report of what was measured.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { closedPort, postTurn, spawnHeadroom, startRuntime, type HeadroomProcess, type RuntimeHarness } from '../helpers/runtime.js';
import { ReportSchema, type Report } from '../../src/core/metrics/report.js';
import type { CompareRow } from '../../src/loadtest/compare.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

// One scenario minute at 600×: about 100 ms of arrivals.
const SHORT = ['--time-scale', '600', '--duration', '1m', '--set', 'warmup=10s'];

describe('loadtest against a target that does not answer', () => {
  it('nothing listening: exit 2 saying the target answered no request, with the report of what was sent', async () => {
    const port = await closedPort();
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', `http://127.0.0.1:${port}`, '--json', ...SHORT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`http://127.0.0.1:${port} answered none of the`);
    expect(r.stderr).toContain('is `headroom serve` running');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.turns.arrived).toBeGreaterThan(0);
    expect(report.turns.failed).toBe(report.turns.arrived);
  }, 30_000);
});

describe('loadtest against a target that fails every turn', () => {
  it('exits 99 saying no turn was answered, even with no SLO to gate on, and writes the report', async () => {
    // Before: a scenario without SLOs made a run whose every turn failed (503) exit 0, like a pass.
    const app = Fastify();
    app.post('/v1/sessions/:id/turns', async (_req, reply) => reply.code(503).send({ error: { type: 'overloaded', message: 'down' } }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const dir = await mkdtemp(join(tmpdir(), 'headroom-lt-'));
    cleanups.push(async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    });
    const out = join(dir, 'r.json');
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', url, '--set', 'slo={}', '--max-late-share', '1', '--json', '--out', out, ...SHORT]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(99);
    expect(r.stderr).toMatch(/^error: none of the [\d,]+ turns of the window was answered \(http-503 ×[\d,]+\)/m);
    const report = ReportSchema.parse(JSON.parse(await readFile(out, 'utf8'))) as Report;
    expect(report.slo.checks).toEqual([]);
    expect(report.turns.arrived).toBeGreaterThan(0);
    expect(report.turns.failed).toBe(report.turns.arrived);
  }, 30_000);
});

describe('loadtest interrupted (Ctrl-C)', () => {
  it('stops within seconds, exits 130 and prints and writes the report of what was measured so far', async () => {
    const K = 20;
    const rt: RuntimeHarness = await startRuntime({ yaml: await readFile('scenarios/support-agent.yaml', 'utf8'), timeScale: K });
    cleanups.push(() => rt.close());
    const dir = await mkdtemp(join(tmpdir(), 'headroom-lt-int-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'r.json');
    // Ten scenario minutes at 20×: 30 s of arrivals, interrupted after about 4.
    const p: HeadroomProcess = spawnHeadroom(['loadtest', 'scenarios/support-agent.yaml', '--target', rt.url, '--time-scale', String(K), '--duration', '10m', '--set', 'warmup=10s', '--max-late-share', '1', '--out', out]);
    cleanups.push(() => p.kill());
    await p.waitForOutput(/replaying/);
    await new Promise((r) => setTimeout(r, 4000));
    p.child.kill('SIGINT');
    const code = await p.exited(15_000);
    expect(p.stderr()).toContain('interrupted');
    expect(p.stderr()).not.toMatch(/\n\s+at /);
    expect(code).toBe(130);
    expect(p.stdout()).toContain('LATENCY');
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;
    expect(report.turns.arrived).toBeGreaterThan(10);
    // Only turns that got their answer are counted: none failed because the run was stopped.
    expect(report.turns.failed).toBe(0);
    expect(report.answer).toMatch(/^Interrupted/);
  }, 60_000);
});

describe('loadtest --max-sessions --compare-sim', () => {
  it('simulates the same sessions it replays: the cohort agrees exactly', async () => {
    const K = 20;
    const rt = await startRuntime({ yaml: await readFile('scenarios/support-agent.yaml', 'utf8'), timeScale: K });
    cleanups.push(() => rt.close());
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', rt.url, '--time-scale', String(K), '--duration', '10m', '--set', 'warmup=5s', '--set', 'conversation.thinkTime=5s', '--max-sessions', '40', '--max-late-share', '1', '--compare-sim', '--json']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(r.stdout) as Report & { comparison: CompareRow[] };
    // The first 40 sessions arrive within seconds, not over the 10 minutes the simulation used to cover.
    expect(report.scenario.durationMs).toBeLessThan(60_000);
    expect(report.cohort.sessions).toBeGreaterThan(10);
    expect(report.cohort.sessions).toBeLessThan(40);
    for (const row of report.comparison.filter((x) => x.tolerance === 'exact')) expect(row.pass, `${row.metric}: predicted ${row.predicted}, measured ${row.measured}`).toBe(true);
    // The report with its comparison is a report of the documented schema.
    expect(ReportSchema.safeParse(report).error?.issues ?? []).toEqual([]);
  }, 60_000);

  it('refuses sessions that all arrive within the warm-up: nothing would be measured', async () => {
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', 'http://127.0.0.1:9', '--max-sessions', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-sessions 3');
    expect(r.stderr).toContain('warm-up');
  });
});

describe('loadtest --compare-sim against a runtime that served traffic before', () => {
  it('warns that its cached answers make the exact figures differ', async () => {
    const rt = await startRuntime({ yaml: await readFile('scenarios/support-agent.yaml', 'utf8'), timeScale: 600 });
    cleanups.push(() => rt.close());
    expect((await postTurn(rt.url, 'earlier', { message: 'where is my order?', end: true })).status).toBe(200);
    const r = await runCli(['loadtest', 'scenarios/support-agent.yaml', '--target', rt.url, ...SHORT, '--max-late-share', '1', '--compare-sim', '--json']);
    expect(r.stderr).toContain('already served traffic');
    expect(r.stderr).toContain('restart');
  }, 30_000);
});
