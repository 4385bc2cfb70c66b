/**
 * The workload's determinism contract (src/workload/stream.ts): the same scenario and seed give a
 * byte-identical stream; a session's content is a pure function of (scenario, seed, id), so agents that
 * split the work by id (the `owns` filter) see exactly the sessions a single generator would.
 */
import { describe, expect, it } from 'vitest';
import { checkScenarioFile } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { arrivalTimes } from '../../../src/workload/arrivals.js';
import { Workload, type StreamOptions } from '../../../src/workload/stream.js';
import type { Session } from '../../../src/workload/types.js';

async function load(file: string, overrides: string[] = []): Promise<Scenario> {
  const r = await checkScenarioFile(file, { overrides });
  if (!r.scenario) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.scenario;
}

function first(w: Workload, n: number, opts: StreamOptions = {}): Session[] {
  const out: Session[] = [];
  for (const s of w.sessions(opts)) {
    out.push(s);
    if (out.length === n) break;
  }
  return out;
}

// The research agent exercises every branch: spikes (thinning), a priority mix, agent loops with tools.
// A day of it so that 2,000 sessions exist (its own 2 h run has ~1,000).
const SCENARIOS = [
  ['support-agent', 'scenarios/support-agent.yaml', []],
  ['research-agent', 'scenarios/research-agent.yaml', ['duration=24h']],
] as const;

describe.each(SCENARIOS)('%s', (_name, file, overrides) => {
  it('same scenario + seed → byte-identical stream (JSON of the first 2,000 sessions, two separately loaded scenarios)', async () => {
    const a = first(new Workload(await load(file, [...overrides])), 2000);
    const b = first(new Workload(await load(file, [...overrides])), 2000);
    expect(a).toHaveLength(2000);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('a different seed gives a different stream: other arrival times and other session content', async () => {
    const s = await load(file, [...overrides]);
    const a = first(new Workload(s, 1), 2000);
    const b = first(new Workload(s, 2), 2000);
    const sameStart = a.filter((x, i) => x.startAtMs === b[i]!.startAtMs).length;
    const sameTurns = a.filter((x, i) => JSON.stringify(x.turns) === JSON.stringify(b[i]!.turns)).length;
    expect(sameStart).toBe(0);
    // Two independent sessions can coincide only by chance (e.g. one turn, one call, equal tokens): rare.
    expect(sameTurns).toBeLessThan(20);
  });

  it('ids run 0, 1, 2, … in arrival order; start times are non-decreasing, in [0, untilMs), and equal the arrival process', async () => {
    const s = await load(file, [...overrides]);
    const w = new Workload(s);
    const sessions = first(w, 2000);
    const arrivals = [...arrivalTimes(w.plan, w.seed, s.duration)].slice(0, 2000);
    expect(sessions.map((x) => x.id)).toEqual(sessions.map((_, i) => i));
    expect(sessions.map((x) => x.startAtMs)).toEqual(arrivals);
    expect(sessions.every((x, i) => i === 0 || x.startAtMs >= sessions[i - 1]!.startAtMs)).toBe(true);
    expect(sessions.every((x) => x.startAtMs >= 0 && x.startAtMs < s.duration)).toBe(true);
  });

  it('owns = even ids yields exactly the even sessions of the unfiltered stream, deep-equal', async () => {
    const s = await load(file, [...overrides]);
    const all = first(new Workload(s), 2000);
    const even = first(new Workload(s), 1000, { owns: (id) => id % 2 === 0 });
    expect(even.map((x) => x.id)).toEqual(all.filter((x) => x.id % 2 === 0).map((x) => x.id));
    expect(even).toEqual(all.filter((x) => x.id % 2 === 0));
  });

  it('three agents splitting by id % 3 together reproduce the single stream exactly', async () => {
    const s = await load(file, [...overrides]);
    const untilMs = 2 * 3_600_000;
    const all = [...new Workload(s).sessions({ untilMs })];
    const parts = [0, 1, 2].flatMap((k) => [...new Workload(s).sessions({ untilMs, owns: (id) => id % 3 === k })]);
    expect(all.length).toBeGreaterThan(100);
    expect(parts.sort((x, y) => x.id - y.id)).toEqual(all);
  });

  it('session(id) is a pure function of (scenario, seed, id): order, history and instance do not matter', async () => {
    const w = new Workload(await load(file, [...overrides]));
    const once = w.session(123, 5000);
    first(w, 500); // generate other sessions in between
    w.session(7, 0);
    expect(w.session(123, 5000)).toEqual(once);
    expect(new Workload(await load(file, [...overrides])).session(123, 5000)).toEqual(once);
    // startAtMs is carried, not mixed into the content.
    expect({ ...w.session(123, 0), startAtMs: 5000 }).toEqual(once);
    // The stream's session 123 is the same function at its arrival time.
    const fromStream = first(w, 124)[123]!;
    expect(fromStream).toEqual(w.session(123, fromStream.startAtMs));
    // Other seed, other content.
    expect(new Workload(await load(file, [...overrides]), w.seed + 1).session(123, 5000)).not.toEqual(once);
  });
});

describe('StreamOptions', () => {
  it('seed overrides the workload seed for arrivals and content alike', async () => {
    const s = await load('scenarios/research-agent.yaml', ['duration=24h']);
    const viaOption = first(new Workload(s, 1), 500, { seed: 99 });
    const viaCtor = first(new Workload(s, 99), 500);
    expect(viaOption).toEqual(viaCtor);
    expect(viaOption).not.toEqual(first(new Workload(s, 1), 500));
  });

  it('untilMs stops arrivals at that time; a longer horizon extends the same stream', async () => {
    const s = await load('scenarios/support-agent.yaml');
    const short = [...new Workload(s).sessions({ untilMs: 600_000 })];
    const long = [...new Workload(s).sessions({ untilMs: 1_200_000 })];
    expect(short.length).toBeGreaterThan(10);
    expect(short.every((x) => x.startAtMs < 600_000)).toBe(true);
    expect(long.slice(0, short.length)).toEqual(short);
    expect(long[short.length]!.startAtMs).toBeGreaterThanOrEqual(600_000);
  });
});
