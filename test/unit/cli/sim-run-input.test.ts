/**
 * `sim run` on input that is not a scenario file, and on `--out` paths it cannot write: exit 2 with
 * what is wrong, never "internal error" (exit 1), and a bad `--out` is refused before the simulation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-sim-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCENARIO = 'scenarios/support-agent.yaml';

describe('sim run refuses what it cannot read or write, with exit 2', () => {
  it.each([
    ['a directory', dir, 'HEADROOM_ERR_SCENARIO_INVALID', 'not a regular file (a directory)'],
    ['a device (reads forever, reports size 0)', '/dev/zero', 'HEADROOM_ERR_SCENARIO_INVALID', 'not a regular file (a device, socket or pipe)'],
    ['a missing file', join(dir, 'nope.yaml'), 'HEADROOM_ERR_FILE_NOT_FOUND', 'cannot read the file'],
  ])('FILE is %s', async (_what, file, code, message) => {
    const r = await runCli(['sim', 'run', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(code);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('internal error');
  });

  it.each([
    ['no value', [], '--out (empty): needs a file path'],
    ['a directory that does not exist', [join(dir, 'missing', 'r.json')], `the directory ${join(dir, 'missing')} does not exist`],
    ['a directory', [dir], 'is a directory'],
  ])('--out with %s: refused before simulating', async (_what, value, message) => {
    const r = await runCli(['sim', 'run', SCENARIO, '--out', ...value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(''); // nothing was simulated
    expect(r.stderr).toContain('HEADROOM_ERR_BAD_ARGUMENT');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('sim run refuses a run far too large to finish, before simulating', () => {
  // A billion daily users, all at once, for 31 days: about 10¹³ turns. It ran on with no output (a hang to
  // the user, hours of CPU) instead of saying so. (--allow-huge-run running it: test/integration/sim-huge-run.test.ts.)
  const HUGE = ['--set', 'users.dailyActive=1e9', '--set', 'users.concurrencyRatio=100%', '--set', 'duration=31d', '--set', 'warmup=1h'];
  it('exit 2, with the expected turns, what to shrink, and the flag that runs it anyway', async () => {
    const r = await runCli(['sim', 'run', SCENARIO, ...HUGE]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/HEADROOM_ERR_SCENARIO_INVALID: .*: the run would simulate about [\d.]+e\+\d+ turns, more than the 1e\+9 one run takes without --allow-huge-run \(about [\d,]+ days of CPU/);
    expect(r.stderr).toMatch(/hint: .*To run it anyway, pass --allow-huge-run/);
  }, 20_000);

  it('--allow-huge-run leaves a run within the ceiling as it was: no warning, same report', async () => {
    const args = ['sim', 'run', SCENARIO, '--duration', '10m', '--set', 'warmup=5m', '--json'];
    const [plain, allowed] = [await runCli(args), await runCli([...args, '--allow-huge-run'])];
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(plain.code);
    // Equal but for the wall time the simulation took.
    const figures = (json: string) => JSON.stringify({ ...JSON.parse(json), run: { ...JSON.parse(json).run, wallMs: 0, eventsPerSecond: 0 } });
    expect(figures(allowed.stdout)).toBe(figures(plain.stdout));
  }, 20_000);

  it('a large but feasible run is not refused', async () => {
    const r = await runCli(['sim', 'run', SCENARIO, '--set', 'users.dailyActive=50000', '--set', 'duration=10m', '--set', 'warmup=5m', '--json']);
    expect(r.stderr).not.toContain('would simulate');
  }, 60_000);
});
