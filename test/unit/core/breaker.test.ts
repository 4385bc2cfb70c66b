import { describe, expect, it } from 'vitest';
import { BreakerSet, CircuitBreaker, type BreakerConfig, type BreakerTransition } from '../../../src/core/breaker/index.js';

// 10 s window in 1 s buckets; open after ≥ 50 % failures over ≥ 5 requests; 5 s cooldown; 2 probes.
const CONFIG: BreakerConfig = { window: 10_000, minRequests: 5, failureRate: 0.5, cooldown: 5_000, probes: 2 };

const fail = (b: CircuitBreaker, n: number, atMs: number) => {
  for (let i = 0; i < n; i++) b.onFailure(atMs);
};
const succeed = (b: CircuitBreaker, n: number, atMs: number) => {
  for (let i = 0; i < n; i++) b.onSuccess(atMs);
};
/** A breaker opened at `atMs` by five failures. */
const opened = (atMs: number, listener?: (t: BreakerTransition) => void) => {
  const b = new CircuitBreaker(CONFIG, 'sonnet', listener);
  fail(b, 5, atMs);
  expect(b.state(atMs)).toBe('open');
  return b;
};

describe('CircuitBreaker closed → open', () => {
  it('stays closed below minRequests even when every request fails', () => {
    const b = new CircuitBreaker(CONFIG);
    fail(b, 4, 0);
    expect(b.state(0)).toBe('closed');
    expect(b.allow(0)).toBe(true);
    b.onFailure(0);
    expect(b.state(0)).toBe('open');
    expect(b.allow(0)).toBe(false);
  });

  it('opens exactly when the failure rate reaches the threshold', () => {
    const b = new CircuitBreaker(CONFIG);
    succeed(b, 5, 0);
    fail(b, 4, 0); // 4 of 9 = 44 %
    expect(b.state(0)).toBe('closed');
    b.onFailure(0); // 5 of 10 = 50 %
    expect(b.state(0)).toBe('open');
  });

  it('compares the rate exactly for thresholds that are not binary fractions', () => {
    const b = new CircuitBreaker({ ...CONFIG, minRequests: 10, failureRate: 0.3 });
    succeed(b, 7, 0);
    fail(b, 3, 0); // 3 / 10 = 0.3, while 0.3 * 10 = 3.0000000000000004
    expect(b.state(0)).toBe('open');
  });

  it('rolls old failures out of the window', () => {
    const b = new CircuitBreaker(CONFIG);
    fail(b, 4, 0);
    b.onFailure(10_000); // bucket [0 s, 1 s) has left the window: 1 request counted
    expect(b.state(10_000)).toBe('closed');
    fail(b, 3, 14_000);
    expect(b.state(14_000)).toBe('closed');
    b.onFailure(19_999); // 10 s – 19.999 s: 5 failures
    expect(b.state(19_999)).toBe('open');
  });

  it('counts failures from 0.9 windows ago (bucket granularity)', () => {
    const b = new CircuitBreaker(CONFIG);
    fail(b, 4, 0);
    b.onFailure(9_999);
    expect(b.state(9_999)).toBe('open');
  });

  it('forgets everything after a gap longer than the window', () => {
    const b = new CircuitBreaker(CONFIG);
    fail(b, 4, 500);
    succeed(b, 1, 100_000);
    fail(b, 3, 100_000);
    expect(b.state(100_000)).toBe('closed'); // 3 of 4: below minRequests
  });
});

describe('CircuitBreaker open → half-open → closed / open', () => {
  it('refuses during the cooldown, then turns half-open when it ends', () => {
    const b = opened(1000);
    expect(b.allow(5_999)).toBe(false);
    expect(b.state(5_999)).toBe('open');
    expect(b.state(6_000)).toBe('half-open');
  });

  it('admits at most `probes` concurrent trial requests', () => {
    const b = opened(0);
    expect([b.allow(5_000), b.allow(5_000), b.allow(5_000)]).toEqual([true, true, false]);
    b.onSuccess(5_100); // one probe answered: its slot frees
    expect([b.allow(5_100), b.allow(5_100)]).toEqual([true, false]);
  });

  it('gives a probe slot back on release', () => {
    const b = opened(0);
    b.allow(5_000);
    b.allow(5_000);
    b.release(5_000);
    expect(b.allow(5_000)).toBe(true);
  });

  it('closes after `probes` successes, with a fresh window', () => {
    const b = opened(0);
    b.allow(5_000);
    b.allow(5_000);
    succeed(b, 1, 5_100);
    expect(b.state(5_100)).toBe('half-open');
    succeed(b, 1, 5_200);
    expect(b.state(5_200)).toBe('closed');
    fail(b, 4, 5_300); // the five failures that opened it no longer count
    expect(b.state(5_300)).toBe('closed');
    expect(b.allow(5_300)).toBe(true);
  });

  it('re-opens on a probe failure, for a full cooldown from then', () => {
    const b = opened(0);
    b.allow(5_000);
    b.allow(5_000);
    b.onSuccess(5_100);
    b.onFailure(6_000);
    expect(b.state(6_000)).toBe('open');
    expect(b.allow(10_999)).toBe(false);
    expect(b.allow(11_000)).toBe(true);
  });

  it('ignores results of requests sent before it opened', () => {
    const b = opened(0);
    fail(b, 3, 1000); // while open: do not extend the cooldown
    expect(b.state(5_000)).toBe('half-open');
    succeed(b, 5, 5_000); // no probe outstanding: not probe answers
    b.onFailure(5_000);
    expect(b.state(5_000)).toBe('half-open');
    expect([b.allow(5_000), b.allow(5_000), b.allow(5_000)]).toEqual([true, true, false]);
  });

  it('reports each transition with when and why', () => {
    const log: BreakerTransition[] = [];
    const b = opened(1000, (t) => log.push(t));
    b.allow(7_000);
    b.onFailure(7_100);
    b.allow(12_100);
    b.allow(12_100);
    succeed(b, 2, 12_200);
    expect(log).toEqual([
      { model: 'sonnet', from: 'closed', to: 'open', atMs: 1000, reason: '5 of 5 requests failed (100% ≥ 50%) in 10000 ms' },
      { model: 'sonnet', from: 'open', to: 'half-open', atMs: 6_000, reason: 'cooldown of 5000 ms elapsed' },
      { model: 'sonnet', from: 'half-open', to: 'open', atMs: 7_100, reason: 'probe failed' },
      { model: 'sonnet', from: 'open', to: 'half-open', atMs: 12_100, reason: 'cooldown of 5000 ms elapsed' },
      { model: 'sonnet', from: 'half-open', to: 'closed', atMs: 12_200, reason: '2 probes succeeded' },
    ]);
  });
});

describe('BreakerSet', () => {
  it('keeps one independent breaker per model', () => {
    const set = new BreakerSet(CONFIG);
    for (let i = 0; i < 5; i++) set.onFailure('sonnet', 0);
    set.onSuccess('haiku', 0);
    expect([set.state('sonnet', 0), set.allow('sonnet', 0)]).toEqual(['open', false]);
    expect([set.state('haiku', 0), set.allow('haiku', 0)]).toEqual(['closed', true]);
    expect(set.get('sonnet')).toBe(set.get('sonnet'));
  });

  it('always allows when the scenario disables breaking', () => {
    const set = new BreakerSet(false);
    for (let i = 0; i < 100; i++) set.onFailure('sonnet', 0);
    expect([set.allow('sonnet', 0), set.state('sonnet', 0), set.get('sonnet')]).toEqual([true, 'closed', undefined]);
  });
});
