/**
 * `loadtest` flags are checked before anything is replayed: a value that is not a number, or out of
 * its range, is exit 2 naming the flag — not a run that silently ignores it (`--max-sessions abc`
 * replayed every session, `--max-late-share abc` disabled the late-send check), nor an undici
 * "invalid connections" internal error, nor a run at `--time-scale Infinity`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

// A closed port: with a valid command line the replay would start; a bad flag must stop it first.
const BASE = ['loadtest', 'scenarios/support-agent.yaml', '--target', 'http://127.0.0.1:9', '--duration', '1m', '--set', 'warmup=10s'];

describe('loadtest refuses bad flag values with exit 2, before replaying', () => {
  it.each([
    ['--connections', '0'],
    ['--connections', 'abc'],
    ['--connections', '1.5'],
    ['--agents', '0'],
    ['--agents', '1.5'],
    ['--max-sessions', '-1'],
    ['--max-sessions', '0'],
    ['--max-sessions', 'abc'],
    ['--max-late-share', 'abc'],
    ['--max-late-share', '-0.1'],
    ['--max-late-share', '2'],
    ['--time-scale', 'Infinity'],
    ['--drain-timeout', 'abc'],
    ['--drain-timeout', '2 weeks'],
    ['--drain-timeout', '10'],
    ['--drain-timeout', ''],
    ['--agents-timeout', '0s'],
    ['--agents-timeout', 'abc'],
    ['--pool', 'two words'],
    ['--pool', 'a:b'],
  ])('%s %s', async (flag, value) => {
    const r = await runCli([...BASE, ...(flag === '--time-scale' ? [] : ['--time-scale', '600']), flag, value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(''); // nothing was replayed
    expect(r.stderr).toContain('HEADROOM_ERR_BAD_ARGUMENT');
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toContain('internal error');
  });
});
