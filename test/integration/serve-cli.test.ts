/**
 * `headroom serve` as a user runs it: a child process (the CLI from the sources through tsx, see
 * test/helpers/runtime.ts) in front of an in-process mock provider. It answers turns; on SIGTERM it
 * finishes the turn in flight, refuses new work and exits 0 before the drain deadline; bad input
 * exits 2 with located errors and no stack trace; an unreachable Redis exits non-zero, saying so.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type RunningMockProvider } from '../../src/runtime/mock-provider/server.js';
import { countTokens } from '../../src/workload/text.js';
import { metricValue, postTurn, request, scenarioOf, spawnHeadroom, waitFor, type HeadroomProcess } from '../helpers/runtime.js';

const K = 50;
// 2000 output tokens at 100/s: a 20 s turn in scenario time, 400 real ms at K=50.
const YAML = `
name: serve-it
seed: 3
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation: { tokens: { systemPrompt: 1k, output: 30 } }
models:
  sonnet: { id: claude-sonnet-4-6, latency: { ttft: 400ms, outputRate: 100/s } }
`;

let dir: string;
let scenarioFile: string;
let mock: RunningMockProvider;
const procs: HeadroomProcess[] = [];

function serve(...extra: string[]): HeadroomProcess {
  const p = spawnHeadroom(['serve', '--scenario', scenarioFile, '--provider', 'mock', '--provider-url', mock.url, '--port', '0', '--time-scale', String(K), '--log-level', 'warn', ...extra]);
  procs.push(p);
  return p;
}

/** What a request on a brand-new connection gets: `http <status> <body>`, or the connection error's code. */
async function onNewConnection(url: string, method: 'GET' | 'POST', body?: unknown): Promise<string> {
  const agent = new Agent({ connect: { timeout: 5_000 } });
  try {
    const res = await undiciRequest(url, { method, dispatcher: agent, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return `http ${res.statusCode} ${await res.body.text()}`;
  } catch (e) {
    return String((e as { code?: string }).code ?? e);
  } finally {
    await agent.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-serve-'));
  scenarioFile = join(dir, 'serve-it.yaml');
  await writeFile(scenarioFile, YAML);
  mock = await startMockProvider({ scenario: scenarioOf(YAML), timeScale: K, port: 0 });
});
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});
afterAll(async () => {
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('headroom serve', () => {
  it('answers turns, then on SIGTERM finishes the turn in flight, refuses new work and exits 0 within the drain deadline', async () => {
    const drainMs = 10_000;
    const p = serve('--drain-timeout', `${drainMs / 1000}s`);
    const url = (await p.waitForOutput(/listening on (http:\/\/[\d.:]+)/, 30_000))[1]!;
    expect(p.stdout()).toContain('scenario serve-it');

    const turn = await postTurn(url, 'cli-1', { message: 'hello over a real process' });
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    expect(turn.body).toMatchObject({ status: 'ok', usage: { outputTokens: 30 } });
    expect(countTokens(turn.body.answer)).toBe(30);

    const slow = postTurn(url, 'cli-slow', { message: 'take your time', plan: { userTokens: 4, calls: [{ outputTokens: 2000 }] } });
    await waitFor(async () => (metricValue((await request(`${url}/metrics`)).body, 'headroom_in_flight_turns') === 1 ? true : undefined), 'the slow turn to be in flight');
    const signalledAt = performance.now();
    p.child.kill('SIGTERM');
    await p.waitForOutput(/SIGTERM: draining/);

    // Still listening while the turn is in flight, so that readiness probes see 503 (a load balancer
    // takes the instance out) and new work is refused with 503, not with a refused connection.
    expect(await onNewConnection(`${url}/readyz`, 'GET')).toMatch(/^http 503 .*"draining"/);
    expect(await onNewConnection(`${url}/v1/sessions/late/turns`, 'POST', { message: 'too late' })).toMatch(/^http 503 .*"draining"/);
    expect(await onNewConnection(`${url}/v1/messages`, 'POST', { model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'too late' }] })).toMatch(/^http 529 .*shutting down/);
    const done = await slow;
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'ok', usage: { outputTokens: 2000 } });

    expect(await p.exited(drainMs + 5_000)).toBe(0);
    expect(performance.now() - signalledAt).toBeLessThan(drainMs);
    expect(p.stdout()).toContain('drained; bye');
    expect(p.stderr()).not.toMatch(/error|^\s+at /im);
  }, 60_000);

  it('exits 2 on a bad scenario with every problem located, and no stack trace', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'users:\n  dailyActive: -3\n  concurrencyRatio: 2%\nmodels:\n  sonnet: { id: claude-sonnet-4-6, timeout: soon }\n');
    const p = spawnHeadroom(['serve', '--scenario', bad, '--provider', 'mock', '--provider-url', mock.url, '--port', '0']);
    procs.push(p);
    expect(await p.exited(30_000)).toBe(2);
    const err = p.stderr();
    expect(err).toContain('HEADROOM_ERR_SCENARIO_INVALID');
    expect(err).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:2:\\d+: users\\.dailyActive: `));
    expect(err).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:5:\\d+: models\\.sonnet\\.timeout: `));
    expect(err).not.toMatch(/^\s+at /m);
    expect(p.stdout()).not.toContain('listening');
  }, 40_000);

  it('exits non-zero with a clear message when --redis cannot be reached', async () => {
    const p = serve('--redis', 'redis://127.0.0.1:1');
    expect(await p.exited(30_000)).not.toBe(0);
    const err = p.stderr();
    expect(err).toContain('HEADROOM_ERR_REDIS_UNAVAILABLE');
    expect(err).toContain('cannot reach Redis at redis://127.0.0.1:1');
    expect(err).toContain('ECONNREFUSED');
    expect(err).toMatch(/^hint: /m);
    expect(err).not.toMatch(/^\s+at /m);
    expect(p.stdout()).not.toContain('listening');
  }, 40_000);
});
