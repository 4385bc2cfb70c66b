/**
 * The simulator's fast paths must give exactly what the straightforward code gave: each case here
 * runs a fast path next to a reference (the library call, or the plain computation) on seeded random
 * inputs and compares results bit for bit. The golden reports check the same at the scale of whole
 * runs; these tests say which part broke. The prompt-cache model's are in prompt-cache.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Conversation, type Segment } from '../../../src/core/context.js';
import { FastHistogram } from '../../../src/core/metrics/fast-histogram.js';
import { attemptSuffix, callSuffix, toolResultSuffix, turnSuffix } from '../../../src/core/keys.js';
import { ModelMap } from '../../../src/core/model-map.js';
import { encodeHistogram, newHistogram, percentileOf, recordMs, summarise, type Histogram } from '../../../src/core/metrics/histogram.js';
import { VirtualScheduler } from '../../../src/core/scheduler.js';
import { Rng, RngFamily, hashString } from '../../../src/scenario/rng.js';
import { StepValues } from '../../../src/sim/counts.js';

function sameHistogram(a: Histogram, b: Histogram): void {
  expect(encodeHistogram(a)).toBe(encodeHistogram(b));
  expect([a.totalCount, a.maxValue, a.minNonZeroValue, a.mean]).toEqual([b.totalCount, b.maxValue, b.minNonZeroValue, b.mean]);
  for (const p of [0, 1, 50, 90, 95, 99, 99.9, 100]) expect(a.getValueAtPercentile(p)).toBe(b.getValueAtPercentile(p));
}

/** Integers of every magnitude, HDR slot boundaries (2^k - 1, 2^k, 2^k + 1) and zeros. */
function values(seed: number, n: number): number[] {
  const rng = new Rng(seed, 'fast-paths');
  const out: number[] = [];
  for (let k = 0; k <= 41; k++) out.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    out.push(r < 0.2 ? 0 : r < 0.4 ? rng.int(3000) : Math.floor(Math.exp(rng.next() * Math.log(2 ** 42))));
  }
  return out;
}

describe('FastHistogram', () => {
  it('equals recording every value into HDR, across reads in between', () => {
    const fast = new FastHistogram();
    const ref = newHistogram();
    const vs = values(1, 20_000);
    vs.forEach((v, i) => {
      fast.record(v);
      ref.recordValue(v);
      if (i === 5000) sameHistogram(fast.histogram(), ref); // a read (flush) mid-way, then more values
    });
    sameHistogram(fast.histogram(), ref);
  });

  it('recordMs equals recordMs (rounding to µs, clamping at 0 and at the upper bound)', () => {
    const fast = new FastHistogram();
    const ref = newHistogram();
    const rng = new Rng(2, 'ms');
    for (const ms of [-5, -0.0001, 0, 0.0004, 0.0005, 1e12, 3e9]) {
      fast.recordMs(ms);
      recordMs(ref, ms);
    }
    for (let i = 0; i < 10_000; i++) {
      const ms = rng.next() * 10 ** (rng.int(8) - 2);
      fast.recordMs(ms);
      recordMs(ref, ms);
    }
    sameHistogram(fast.histogram(), ref);
  });

  it('keeps min and max right when they share a slot, and with a single value', () => {
    for (const vs of [[5000], [5000, 5001, 5002], [0, 0, 7], [0]]) {
      const fast = new FastHistogram();
      const ref = newHistogram();
      for (const v of vs) {
        fast.record(v);
        ref.recordValue(v);
      }
      sameHistogram(fast.histogram(), ref);
    }
  });
});

describe('summarise', () => {
  it('never puts a percentile above the largest value recorded (HDR answers the top of its bucket)', () => {
    const h = newHistogram();
    for (let i = 0; i < 100; i++) recordMs(h, 27_060);
    expect(h.getValueAtPercentile(99) / 1000).toBeGreaterThan(27_060); // the bucket's top: what made a 27.06 s SLO fail
    const s = summarise(h);
    expect(s.max).toBe(27_060);
    expect([s.p50, s.p90, s.p95, s.p99]).toEqual([27_060, 27_060, 27_060, 27_060]);
  });
});

describe('StepValues', () => {
  it('answers every percentile exactly as an HDR histogram per step, capped at its largest value (percentileOf)', () => {
    const steps = new StepValues();
    const refs: Histogram[] = [];
    const rng = new Rng(3, 'steps');
    const sizes = [1, 2, 3, 20, 1000, 5000, 3000];
    sizes.forEach((n, step) => {
      refs[step] = newHistogram();
      for (let i = 0; i < n; i++) {
        // Many duplicates, as latencies in whole µs often are; the last step spans every magnitude.
        const v = step === 6 ? Math.floor(Math.exp(rng.next() * Math.log(2 ** 40))) : rng.next() < 0.3 ? 250_000 : Math.round(rng.next() * 5e6);
        steps.record(step, v);
        refs[step]!.recordValue(v);
      }
    });
    sizes.forEach((_, step) => {
      for (const p of [0, 1, 50, 90, 95, 99, 99.9, 100]) expect(steps.percentile(step, p)).toBe(percentileOf(refs[step]!, p));
      expect(steps.percentile(step, 100)).toBe(refs[step]!.maxValue); // HDR's own answer is its bucket's top
    });
    expect(steps.percentile(sizes.length, 95)).toBe(0);
  });
});

describe('incremental hashing', () => {
  it('hashString continues from a prefix hash', () => {
    for (const [a, b] of [['', 'x'], ['s12', '/t3'], ['s1/t1', '/c12'], ['é€', '𝄞/u']]) expect(hashString(b!, hashString(a!))).toBe(hashString(a! + b!));
  });

  it('gives every conversation segment the hash of its key', () => {
    const c = new Conversation('s77', 1200, { policy: 'summarise', after: 2, summaryTokens: 300, model: 'haiku' });
    const seen: Segment[] = [];
    for (let t = 1; t <= 5; t++) {
      const due = c.summaryDue();
      if (due) {
        seen.push(...due.segments);
        c.applySummary(250);
      }
      c.beginTurn(t, 40 + t);
      c.recordCall(1, 100, 30);
      c.recordCall(2, 120, 0);
      seen.push(...c.prompt());
      c.endTurn();
    }
    expect(seen.length).toBeGreaterThan(20);
    for (const s of seen) expect(s.hash).toBe(hashString(s.key));
  });

  it('RngFamily streams equal Rng streams from the full key list', () => {
    const family = new RngFamily(42, 'provider');
    for (const key of ['s1/t1/c1/a1', 's99/t3/summary/a2', '', 7, 2 ** 40 + 0.5]) {
      const a = family.rng(key);
      const b = new Rng(42, 'provider', key);
      for (let i = 0; i < 20; i++) expect(a.nextUint32()).toBe(b.nextUint32());
    }
  });

  it('a reseeded generator draws what a new one from the same key does, whatever it drew before', () => {
    const family = new RngFamily(42, 'provider');
    const reused = new Rng(0);
    for (const key of ['s1/t1/c1/a1', 's99/t3/summary/a2', '']) {
      reused.next(); // state left by an earlier stream must not leak into the next
      const a = family.reseedHashed(reused, hashString(key));
      expect(a).toBe(reused);
      const b = family.rngOfHashed(hashString(key));
      const c = new Rng(42, 'provider', key);
      for (let i = 0; i < 20; i++) {
        const v = c.nextUint32();
        expect(b.nextUint32()).toBe(v);
        expect(a.nextUint32()).toBe(v);
      }
    }
  });
});

describe('VirtualScheduler.resumeAt', () => {
  it('orders target events and closures by (time, priority, sequence) alike', () => {
    const s = new VirtualScheduler();
    const log: string[] = [];
    const target = { resume: (v: unknown) => log.push(String(v)) };
    s.at(10, () => log.push('c1'));
    s.resumeAt(10, target, 't1');
    s.resumeAt(10, target, 't0', 0); // priority 0 runs first at the same instant
    s.at(5, () => log.push('c0'));
    s.resumeAt(10, target, 't2');
    s.run();
    expect(log).toEqual(['c0', 't0', 'c1', 't1', 't2']);
    expect(s.executed).toBe(5);
  });

  it('reuses a run event for the next resumeAt without mixing up values, times or order', () => {
    const s = new VirtualScheduler();
    const log: string[] = [];
    // Each resume schedules the next one from inside resume(), when the event that ran is the spare
    // one to reuse; a closure event and a second target interleave with them.
    const chain = {
      n: 0,
      resume(v: unknown) {
        log.push(`${String(v)}@${s.now()}`);
        if (++this.n < 4) s.resumeAt(s.now() + 10, this, `c${this.n}`);
      },
    };
    const other = { resume: (v: unknown) => log.push(`${String(v)}@${s.now()}`) };
    s.resumeAt(0, chain, 'c0');
    s.resumeAt(15, other, 'o15');
    s.at(20, () => log.push('fn@20'));
    s.resumeAt(20, other, 'o20');
    s.run();
    // c2 is scheduled at 10 for 20: after fn@20 and o20, which were scheduled first (sequence breaks the tie).
    expect(log).toEqual(['c0@0', 'c1@10', 'o15@15', 'fn@20', 'o20@20', 'c2@20', 'c3@30']);
    expect(s.executed).toBe(7);
  });

  it('runs seeded random events in (time, priority, sequence) order, skipping cancelled ones, past its first growth', () => {
    const rng = new Rng(7, 'scheduler-order');
    const s = new VirtualScheduler();
    const expected: { at: number; pri: number; seq: number; id: number }[] = [];
    const ran: number[] = [];
    const target = { resume: (v: unknown) => ran.push(v as number) };
    let seq = 0;
    // Few distinct times (many ties), three priorities, a tenth cancelled; 5,000 events outgrow the key arrays.
    for (let id = 0; id < 5000; id++) {
      const at = rng.int(200) * 0.5;
      const pri = rng.int(3);
      if (id % 2 === 0) {
        s.resumeAt(at, target, id, pri);
        expected.push({ at, pri, seq: seq++, id });
      } else {
        const h = s.at(at, () => ran.push(id), pri);
        if (rng.next() < 0.1) s.cancel(h);
        else expected.push({ at, pri, seq, id });
        seq++;
      }
    }
    s.run();
    expected.sort((a, b) => a.at - b.at || a.pri - b.pri || a.seq - b.seq);
    expect(ran).toEqual(expected.map((e) => e.id));
    expect(s.now()).toBe(99.5);
    expect(s.pending).toBe(0);
  });
});


describe('VirtualScheduler.cancel', () => {
  it('leaves cancelled events out of pending, and a cancelled event does not move the clock', () => {
    const s = new VirtualScheduler();
    const ran: number[] = [];
    s.at(10, () => ran.push(10));
    const late = s.at(86_400_000, () => ran.push(86_400_000)); // a queue deadline a day away
    expect(s.pending).toBe(2);
    s.cancel(late);
    s.cancel(late); // twice: still one event less
    expect(s.pending).toBe(1);
    s.run();
    expect(ran).toEqual([10]);
    expect(s.now()).toBe(10);
    expect(s.pending).toBe(0);
    expect(s.step()).toBe(false);
  });

  it('does not count down for a cancel of an event that already ran', () => {
    const s = new VirtualScheduler();
    const h = s.at(5, () => undefined);
    s.at(6, () => s.cancel(h));
    s.at(7, () => undefined);
    expect(s.step()).toBe(true);
    expect(s.step()).toBe(true);
    expect(s.pending).toBe(1);
    s.run();
    expect(s.now()).toBe(7);
  });
});

describe('ModelMap', () => {
  it('answers as a Map through seeded gets, sets and deletes of a few keys (its memo never goes stale)', () => {
    const rng = new Rng(11, 'model-map');
    const keys = ['sonnet', 'haiku', 'opus', '']; // '' is the memo's starting key
    const fast = new ModelMap<number>([['sonnet', 0], ['', 1]]);
    const ref = new Map<string, number>([['sonnet', 0], ['', 1]]);
    const seen: (number | undefined)[][] = [];
    for (let i = 0; i < 5000; i++) {
      const k = keys[rng.int(keys.length)]!;
      const op = rng.int(10);
      if (op < 6) seen.push([fast.get(k), ref.get(k)]);
      else if (op < 9) {
        fast.set(k, i);
        ref.set(k, i);
      } else expect(fast.delete(k)).toBe(ref.delete(k));
      expect(fast.size).toBe(ref.size);
    }
    expect(seen.filter(([a, b]) => a !== b)).toEqual([]);
    expect(seen.filter(([a]) => a !== undefined).length).toBeGreaterThan(1000);
    expect([...fast]).toEqual([...ref]);
    expect(new ModelMap([['', 5]]).get('')).toBe(5); // the starting key answers what the map was built with
  });
});

describe('key suffixes', () => {
  it('equal the template literals they replace, inside and past their tables', () => {
    for (const i of [-1, 0, 1, 2, 9, 10, 63, 64, 65, 1000]) {
      expect([turnSuffix(i), callSuffix(i), toolResultSuffix(i), attemptSuffix(i)]).toEqual([`/t${i}`, `/c${i}`, `/r${i}`, `/a${i}`]);
    }
  });
});
