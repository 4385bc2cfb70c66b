/**
 * Switches (yargs `boolean` options: `--json`, `--allow-remote`, `--stream`…) take no value, or `true` or
 * `false`. yargs reads any other value as false, silently: `sim run --json=maybe` printed the summary
 * instead of JSON, `loadtest --allow-remote=yes` refused a remote target. Every switch of every command is
 * refused with exit 2, naming it and the values it takes, before the command does anything.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const SCENARIO = 'scenarios/support-agent.yaml';
// A closed port: a valid command line would start replaying; a bad switch must stop it first.
const LOADTEST = ['loadtest', SCENARIO, '--target', 'http://127.0.0.1:9', '--time-scale', '600', '--duration', '1m', '--set', 'warmup=10s'];
const RAW = ['loadtest', 'raw', '--target', 'http://127.0.0.1:9', '-d', '1s'];

function expectRefused(r: { code: number; stdout: string; stderr: string }, message: string): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe(''); // nothing ran
  expect(r.stderr).toContain(`error HEADROOM_ERR_BAD_ARGUMENT: ${message}`);
  expect(r.stderr).toContain('hint: ');
  expect(r.stderr).not.toContain('internal error');
}

describe('a switch given a value other than true or false is refused, exit 2', () => {
  it.each([
    [['scenario', 'check', SCENARIO, '--json=maybe'], '--json', 'maybe'],
    [['sim', 'run', SCENARIO, '--json=maybe'], '--json', 'maybe'],
    [['sim', 'run', SCENARIO, '--json=1'], '--json', '1'],
    [['sim', 'run', SCENARIO, '--json=TRUE'], '--json', 'TRUE'],
    [['sim', 'run', SCENARIO, '--json='], '--json', ''],
    [['sim', 'run', SCENARIO, '--help=maybe'], '--help', 'maybe'],
    [['sim', 'run', SCENARIO, '--allow-huge-run=yes'], '--allow-huge-run', 'yes'],
    [['sim', 'plan', SCENARIO, '--json=maybe'], '--json', 'maybe'],
    [['sim', 'compare', SCENARIO, 'scenarios/research-agent.yaml', '--json=yes'], '--json', 'yes'],
    [['workload', 'preview', SCENARIO, '--json=yes'], '--json', 'yes'],
    [[...LOADTEST, '--stream=maybe'], '--stream', 'maybe'],
    [[...LOADTEST, '--compare-sim=yes'], '--compare-sim', 'yes'],
    [[...LOADTEST, '--allow-remote=1'], '--allow-remote', '1'],
    [[...LOADTEST, '--allowRemote=on'], '--allow-remote', 'on'], // yargs' camelCase spelling of the same switch
    [[...LOADTEST, '--external-agents=no'], '--external-agents', 'no'],
    [[...LOADTEST, '--json=maybe'], '--json', 'maybe'],
    [['loadtest', 'agent', '--redis', 'redis://127.0.0.1:9', '--once=0'], '--once', '0'],
    [[...RAW, '--allow-remote=maybe'], '--allow-remote', 'maybe'],
    [[...RAW, '--json=maybe'], '--json', 'maybe'],
  ])('%j', async (args, flag, value) => {
    expectRefused(await runCli(args), `${flag}: expected true or false (or ${flag} alone), found ${JSON.stringify(value)}`);
  });

  it('a negated switch given a value: named as such, not as an unknown option "no-json, noJson"', async () => {
    expectRefused(await runCli(['sim', 'run', SCENARIO, '--no-json=false']), '--no-json: takes no value, found "false"');
  });

  it('a value as the next word: named as the switch\'s, not only as an unknown argument', async () => {
    expectRefused(await runCli(['sim', 'run', SCENARIO, '--json', 'maybe']), '--json: expected true or false (or --json alone), found "maybe"');
  });
});

describe('switches still read as before', () => {
  const SIM = ['sim', 'run', SCENARIO, '--duration', '10m', '--set', 'warmup=5m'];
  it.each([
    [['--json'], true],
    [['--json=true'], true],
    [['--json', 'true'], true],
    [['--json=false'], false],
    [['--no-json'], false],
    [[], false],
  ])('%j → JSON %s', async (flags, json) => {
    const r = await runCli([...SIM, ...flags]);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('{')).toBe(json);
  });

  it('a word after a switch that is the command\'s positional stays the positional', async () => {
    const r = await runCli(['scenario', 'check', '--json', SCENARIO]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('{') || r.stdout.startsWith('[')).toBe(true);
  });
});
