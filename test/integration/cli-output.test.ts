/**
 * The CLI as a child process whose stdout is a pipe (see spawnHeadroom): a JSON report larger than the
 * pipe buffer arrives whole and parses, with the exit code the command chose. Node writes pipes
 * asynchronously, so a process that exits as soon as `main` resolves cuts such a report short (it used
 * to stop at 64 KiB, exit 0).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnHeadroom, type HeadroomProcess } from '../helpers/runtime.js';

const procs: HeadroomProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});

/** Half an hour of the support agent sampled every second: a report of about 320 KB. */
const BIG = ['sim', 'run', 'scenarios/support-agent.yaml', '--json', '--duration', '30m', '--set', 'report.step=1s'];

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawnHeadroom(args);
  procs.push(p);
  const code = await p.exited(30_000);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('CLI output through a pipe', () => {
  it('writes a JSON report larger than the pipe buffer in full before exiting 0', async () => {
    const { code, stdout, stderr } = await run(BIG);
    expect(stderr).toBe('');
    expect(stdout.length).toBeGreaterThan(200_000);
    const report = JSON.parse(stdout) as { kind: string; slo: { pass: boolean } };
    expect(report.kind).toBe('simulation');
    expect(report.slo.pass).toBe(true);
    expect(code).toBe(0);
  }, 40_000);

  it('keeps a failing gate’s exit code (99) and still writes the whole report', async () => {
    const { code, stdout } = await run([...BIG, '--set', 'workers.count=1']);
    expect(stdout.length).toBeGreaterThan(200_000);
    expect((JSON.parse(stdout) as { slo: { pass: boolean } }).slo.pass).toBe(false);
    expect(code).toBe(99);
  }, 40_000);
});
