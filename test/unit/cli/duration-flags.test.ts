/**
 * Every duration flag refuses a value it cannot use with exit 2, naming the flag, quoting the value and
 * saying what it takes — never yargs' "Unknown arguments: 1, s" (a value starting with `-` read as short
 * options), and never a value read as something else: Node's timers hold at most 2³¹−1 ms (24.8 days), so
 * `--drain-timeout 30d` was a drain cut off after 1 ms, and `--reclaim-after 0s` had every instance take
 * over every other's running async tasks.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const SCENARIO = 'scenarios/support-agent.yaml';
// Closed ports: with a valid command line these would start serving or replaying; a bad flag must stop them first.
const SERVE = ['serve', '--scenario', SCENARIO, '--provider', 'mock', '--provider-url', 'http://127.0.0.1:9', '--port', '0'];
const LOADTEST = ['loadtest', SCENARIO, '--target', 'http://127.0.0.1:9', '--time-scale', '600', '--set', 'warmup=10s'];
const RAW = ['loadtest', 'raw', '--target', 'http://127.0.0.1:9'];

/** Every duration flag, on a command line that is valid apart from it. */
const FLAGS: [string, string[], string][] = [
  ['sim run --duration', ['sim', 'run', SCENARIO], '--duration'],
  ['sim plan --duration', ['sim', 'plan', SCENARIO], '--duration'],
  ['sim compare --duration', ['sim', 'compare', SCENARIO, '--variant', 'no cache: cache=false'], '--duration'],
  ['serve --drain-timeout', SERVE, '--drain-timeout'],
  ['serve --reclaim-after', SERVE, '--reclaim-after'],
  ['loadtest --duration', LOADTEST, '--duration'],
  ['loadtest --drain-timeout', [...LOADTEST, '--duration', '1m'], '--drain-timeout'],
  ['loadtest --agents-timeout', [...LOADTEST, '--duration', '1m'], '--agents-timeout'],
  ['loadtest raw --duration', RAW, '--duration'],
  ['loadtest raw -d', RAW, '-d'],
  ['loadtest raw --timeout', [...RAW, '-d', '1s'], '--timeout'],
];

function expectRefused(r: { code: number; stdout: string; stderr: string }, message: string): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe(''); // nothing ran
  expect(r.stderr).toContain(`error HEADROOM_ERR_BAD_ARGUMENT: ${message}`);
  expect(r.stderr).not.toContain('Unknown argument');
  expect(r.stderr).not.toContain('internal error');
}

describe('a negative duration is refused naming the flag, whether given as the next word or after =', () => {
  const cases = FLAGS.flatMap(([name, base, flag]) =>
    ['-1s', '-0s', '-1.5m', '--5s'].flatMap((v) => [
      [`${name} ${v}`, [...base, flag, v], flag, v],
      [`${name}=${v}`, [...base, `${flag}=${v}`], flag, v],
    ]),
  );
  it.each(cases)('%s', async (_name, args, flag, value) => {
    // `-d` is `--duration`'s alias: the message names the option, as for every other problem with it.
    const named = flag === '-d' ? '--duration' : flag;
    // Only the drain may be 0 (stop at once); a run, a timeout, a reclaim or a wait for agents needs some time.
    const expected = value === '--5s' ? 'a duration with a unit' : flag === '--drain-timeout' ? 'a duration of 0 or more' : 'a duration above 0';
    expectRefused(await runCli(args as string[]), `${named}: expected ${expected}`);
    expect((await runCli(args as string[])).stderr).toContain(`found ${JSON.stringify(value)}`);
  });
});

describe('a duration a flag cannot use is refused, not misread', () => {
  it.each([
    [[...SERVE, '--drain-timeout', '30d'], '--drain-timeout: expected a duration of at most 24d, found "30d"'],
    [[...SERVE, '--reclaim-after', '25d'], '--reclaim-after: expected a duration of at most 24d, found "25d"'],
    [[...SERVE, '--reclaim-after', '0s'], '--reclaim-after: expected a duration above 0, like 30s, found "0s"'],
    [[...LOADTEST, '--duration', '1m', '--drain-timeout', '30d'], '--drain-timeout: expected a duration of at most 24d, found "30d"'],
    [[...LOADTEST, '--duration', '1m', '--agents-timeout', '30d'], '--agents-timeout: expected a duration of at most 24d, found "30d"'],
    [[...LOADTEST, '--duration', '1m', '--agents-timeout', '0s'], '--agents-timeout: expected a duration above 0, like 30s, found "0s"'],
  ])('%j', async (args, message) => {
    expectRefused(await runCli(args), message);
  });

  it('a bare 0 is a duration, as in a scenario (`0s` stops the drain at once; so does `0`)', async () => {
    const r = await runCli([...LOADTEST, '--duration', '1m', '--drain-timeout', '0', '--json']);
    expect(r.stderr).not.toContain('--drain-timeout');
    expect(r.stderr).toContain('answered none of the'); // it replayed, against nothing listening: exit 2 for that
  });
});
