/**
 * `serve`, `mock-provider` and `workload preview` flags are checked before anything listens or prints:
 * a value that is not a number, out of its range, given twice, or an address that cannot be listened on
 * is exit 2 naming the flag — not a runtime of "NaN slots" or "0 slots", `--client-rpm abc` taken as
 * no limit, `--port abc` as an internal error, `--sessions abc` as every session of the run.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const SCENARIO = 'scenarios/support-agent.yaml';
// A closed port: a valid command line would start the runtime; a bad flag must stop it first.
const SERVE = ['serve', '--scenario', SCENARIO, '--provider', 'mock'];
/** serve with `flags`, and a free port and the closed provider unless they are what is tried. */
const serve = (...flags: string[]) => [...SERVE, ...(flags.includes('--port') ? [] : ['--port', '0']), ...(flags.includes('--provider-url') ? [] : ['--provider-url', 'http://127.0.0.1:9']), ...flags];

function expectBadArgument(r: { code: number; stdout: string; stderr: string }, flag: string): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe(''); // nothing listened, nothing printed
  expect(r.stderr).toContain('HEADROOM_ERR_BAD_ARGUMENT');
  expect(r.stderr).toContain(flag);
  expect(r.stderr).not.toContain('internal error');
}

describe('serve refuses bad flag values with exit 2, before listening', () => {
  it.each([
    ['--port', 'abc', 'expected a number, found "abc"'],
    ['--port', '70000', 'expected a whole number from 0 to 65535, found 70000'],
    ['--port', '1.5', 'expected a whole number from 0 to 65535, found 1.5'],
    ['--workers', 'abc', 'expected a number, found "abc"'],
    ['--workers', '0', 'expected a whole number from 1 to 100000, found 0'],
    ['--concurrency', '1.5', 'expected a whole number from 1 to 100000, found 1.5'],
    ['--time-scale', '0', 'expected a positive number, found 0'],
    ['--time-scale', 'Infinity', 'expected a number, found "Infinity"'],
    ['--client-rpm', 'abc', 'expected a number, found "abc"'],
    ['--client-rpm', '-1', 'expected a positive number, found -1'],
    ['--provider-url', 'notaurl', 'expected an http or https URL, found "notaurl"'],
    ['--provider-url', 'ftp://127.0.0.1', 'expected an http or https URL, found "ftp://127.0.0.1"'],
  ])('%s %s', async (flag, value, message) => {
    const r = await runCli(serve(flag, value));
    expectBadArgument(r, `${flag}: ${message}`);
  });

  it('a flag given twice', async () => {
    const r = await runCli(serve('--port', '0', '--port', '1'));
    expectBadArgument(r, '--port: expected one value, found "0, 1" (given more than once)');
  });

  it('--host that does not resolve', async () => {
    const r = await runCli(serve('--host', 'no-such-host.invalid'));
    expectBadArgument(r, 'cannot listen on no-such-host.invalid:0 (ENOTFOUND)');
  });
});

describe('serve and mock-provider on a port in use: exit 2', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serve', async () => {
    const r = await runCli(serve('--port', String(port)));
    expectBadArgument(r, `cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });

  it('mock-provider --host that does not resolve', async () => {
    const r = await runCli(['mock-provider', '--scenario', SCENARIO, '--port', '0', '--host', 'no-such-host.invalid']);
    expectBadArgument(r, 'cannot listen on no-such-host.invalid:0 (ENOTFOUND)');
  });
});

describe('workload preview --sessions', () => {
  it.each([
    ['abc', 'expected a number, found "abc"'],
    ['-5', 'expected a whole number from 0 to 1000000, found -5'],
    ['2.5', 'expected a whole number from 0 to 1000000, found 2.5'],
  ])('%s is exit 2, not a silent preview of all or none', async (value, message) => {
    const r = await runCli(['workload', 'preview', SCENARIO, '--sessions', value]);
    expectBadArgument(r, `--sessions: ${message}`);
  });
});

describe('loadtest raw --rate', () => {
  it('quotes what was typed', async () => {
    const r = await runCli(['loadtest', 'raw', '--target', 'http://127.0.0.1:9', '--rate', 'abc']);
    expectBadArgument(r, '--rate: expected a number, found "abc"');
  });
});

describe('an option that takes one value, given twice', () => {
  it.each([
    [['serve', '--scenario', SCENARIO, '--scenario', 'other.yaml', '--provider', 'mock', '--provider-url', 'http://127.0.0.1:9', '--port', '0'], '--scenario'],
    [['mock-provider', '--scenario', SCENARIO, '--port', '0', '--host', '127.0.0.1', '--host', '::1'], '--host'],
    [['sim', 'run', SCENARIO, '--out', 'a.json', '--out', 'b.json'], '--out'],
    [['loadtest', 'raw', '--target', 'http://127.0.0.1:9', '--body', 'a.json', '--body', 'b.json'], '--body'],
  ])('%j is exit 2 naming %s, not a path "a,b" or a list where one value goes', async (args, flag) => {
    expectBadArgument(await runCli(args), `${flag}: expected one value`);
  });

  it('options that are lists still take several values', async () => {
    const r = await runCli(['scenario', 'check', SCENARIO, '--set', 'workers.count=5', '--set', 'seed=3']);
    expect(r.code).toBe(0);
  });
});
