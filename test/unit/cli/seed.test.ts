/**
 * `--seed` takes what the scenario's `seed` key takes — a whole number from 0 to 2³²−1 — on every
 * command that has it; anything else is bad input (exit 2, HEADROOM_ERR_BAD_ARGUMENT, a hint), never a
 * run with `"seed": null` or a fractional seed.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const SUPPORT = 'scenarios/support-agent.yaml';
const SIM = ['sim', 'run', SUPPORT, '--json', '--duration', '10m'];

async function refused(args: string[], found: string): Promise<void> {
  const r = await runCli(args);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`error HEADROOM_ERR_BAD_ARGUMENT: --seed: expected a whole number from 0 to 4294967295, found ${JSON.stringify(found)}`);
  expect(r.stderr).toContain('hint: ');
  expect(r.stderr).not.toContain('internal error');
}

describe('--seed', () => {
  it.each([
    ['abc', 'abc'],
    ['1.5', '1.5'],
    ['-1', '-1'],
    ['4294967296', '4294967296'], // 2³²: one past the largest seed
    ['1e3', '1e3'],
    ['', ''],
  ])('sim run refuses %j', (value, found) => refused([...SIM, `--seed=${value}`], found));

  it('sim run refuses a negative seed given as a separate word', () => refused([...SIM, '--seed', '-1'], '-1'));

  it('sim run takes a whole number in range, up to 2³²−1, and reports it', async () => {
    for (const seed of [0, 7, 4294967295]) {
      const r = await runCli([...SIM, '--seed', String(seed)]);
      expect(r.stderr).toBe('');
      expect([0, 99]).toContain(r.code);
      expect((JSON.parse(r.stdout) as { scenario: { seed: number } }).scenario.seed).toBe(seed);
    }
  });

  it('is checked the same way by workload preview, mock-provider and loadtest', async () => {
    await refused(['workload', 'preview', SUPPORT, '--seed', 'abc'], 'abc');
    await refused(['mock-provider', '--scenario', SUPPORT, '--port', '0', '--seed', '2.5'], '2.5');
    await refused(['loadtest', SUPPORT, '--target', 'http://127.0.0.1:9', '--seed', '-3'], '-3');
    const ok = await runCli(['workload', 'preview', SUPPORT, '--sessions', '1', '--seed', '12']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('(seed 12)');
  });
});
