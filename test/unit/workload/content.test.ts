/**
 * What a session holds (src/workload/stream.ts, types.ts): each field drawn from its own scenario
 * distribution, prompt repetition (FAQ keys from a Zipf, repeats identical wherever they appear),
 * the priority mix, and the zero-after-the-last rules for think time and tool latency.
 *
 * Share tolerances are binomial: a share p over n draws must be within 4·√(p(1 − p)/n) of p.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { Workload } from '../../../src/workload/stream.js';
import type { Session } from '../../../src/workload/types.js';

function scenario(yaml: string, overrides: string[] = []): Scenario {
  const r = parseScenario(yaml, 'test.yaml', { overrides });
  if (!r.scenario) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.scenario;
}

const MODEL = 'models: { m: { id: claude-sonnet-4-5 } }';
/** ~24,000 sessions: 10 arrivals/s for 40 minutes. */
const USERS = 'users: { dailyActive: 1000, concurrencyRatio: 1%, arrivalRate: 10/s }\nduration: 40m';

function expectShare(count: number, n: number, p: number, what: string) {
  const tol = 4 * Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p), `${what}: ${count}/${n} = ${(count / n).toFixed(4)}, expected ${p.toFixed(4)} ± ${tol.toFixed(4)}`).toBeLessThan(tol);
}

describe('fields come from their own distributions', () => {
  it('with constant distributions every session is exactly the scenario (no field swapped, off by one or unit-converted twice)', () => {
    const s = scenario(`
${USERS}
conversation:
  turns: 3
  callsPerTurn: 2
  thinkTime: 7s
  toolLatency: 1.5s
  tokens: { userMessage: 42, output: 77, toolResult: 123 }
${MODEL}
`);
    const sessions = [...new Workload(s).sessions({ untilMs: 60_000 })];
    expect(sessions.length).toBeGreaterThan(100);
    for (const x of sessions) {
      expect(x.priority).toBe('standard'); // the default class when no priorityMix is given
      expect(x.turns).toEqual(
        [1, 2, 3].map((t) => ({
          index: t,
          userTokens: 42,
          promptKey: `s${x.id}-t${t}`,
          repeated: false,
          calls: [
            { index: 1, outputTokens: 77, toolLatencyAfterMs: 1500, toolResultTokens: 123 },
            { index: 2, outputTokens: 77, toolLatencyAfterMs: 0, toolResultTokens: 0 },
          ],
          thinkTimeAfterMs: t === 3 ? 0 : 7000,
        })),
      );
    }
  });

  it('random fields: integers where counts, means of turns / calls / tokens / times within 2 % of the distribution means', () => {
    // SEs over ~24,000 sessions / ~100,000 turns / ~300,000 calls are all below 0.5 %.
    const s = scenario(`
${USERS}
conversation:
  turns: { dist: poisson, mean: 4 }
  callsPerTurn: { dist: poisson, mean: 3 }
  thinkTime: { dist: exponential, mean: 20s }
  toolLatency: { dist: lognormal, median: 1s, p95: 4s }
  tokens:
    userMessage: { dist: lognormal, mean: 150, sd: 100 }
    output: { dist: lognormal, mean: 400, sd: 200 }
    toolResult: { dist: uniform, min: 1000, max: 3000 }
${MODEL}
`);
    const acc = { sessions: 0, turns: 0, calls: 0, user: 0, output: 0, think: 0, thinkN: 0, tool: 0, result: 0, toolN: 0 };
    const notInteger: unknown[] = [];
    for (const x of new Workload(s).sessions()) {
      acc.sessions++;
      for (const t of x.turns) {
        acc.turns++;
        acc.user += t.userTokens;
        if (!Number.isInteger(t.userTokens) || t.userTokens < 1) notInteger.push(t);
        if (t.index < x.turns.length) {
          acc.think += t.thinkTimeAfterMs;
          acc.thinkN++;
        }
        for (const c of t.calls) {
          acc.calls++;
          acc.output += c.outputTokens;
          if (!Number.isInteger(c.outputTokens) || c.outputTokens < 1 || !Number.isInteger(c.toolResultTokens)) notInteger.push(c);
          if (c.index < t.calls.length) {
            acc.tool += c.toolLatencyAfterMs;
            acc.result += c.toolResultTokens;
            acc.toolN++;
          }
        }
      }
    }
    expect(notInteger).toEqual([]);
    const near = (actual: number, expected: number, what: string) => expect(Math.abs(actual / expected - 1), `${what}: ${actual}`).toBeLessThan(0.02);
    near(acc.turns / acc.sessions, 4 + Math.exp(-4), 'turns per session (max(1, Poisson(4)))');
    near(acc.calls / acc.turns, 3 + Math.exp(-3), 'calls per turn (max(1, Poisson(3)))');
    near(acc.user / acc.turns, 150, 'user tokens');
    near(acc.output / acc.calls, 400, 'output tokens');
    near(acc.think / acc.thinkN, 20_000, 'think time');
    near(acc.tool / acc.toolN, 1000 * Math.exp((Math.log(4) / 1.6448536) ** 2 / 2), 'tool latency');
    near(acc.result / acc.toolN, 2000, 'tool result tokens');
  });
});

describe('after the last: nothing', () => {
  it('think time after the last turn is 0 and after every other turn > 0; tool latency and result after the last call are 0 and > 0 before', () => {
    const s = scenario(`
${USERS}
conversation:
  turns: { dist: uniform, min: 1, max: 5 }
  callsPerTurn: { dist: uniform, min: 1, max: 4 }
  thinkTime: { dist: lognormal, median: 20s, p95: 60s }
  toolLatency: { dist: exponential, mean: 2s }
  tokens: { toolResult: { dist: lognormal, median: 500, p95: 2k } }
${MODEL}
`);
    const bad: string[] = [];
    let single = 0;
    let multiCall = 0;
    for (const x of new Workload(s).sessions({ untilMs: 600_000 })) {
      if (x.turns.length === 1) single++;
      x.turns.forEach((t, i) => {
        const last = i === x.turns.length - 1;
        if (t.index !== i + 1) bad.push(`session ${x.id}: turn index ${t.index} at position ${i}`);
        if (last ? t.thinkTimeAfterMs !== 0 : !(t.thinkTimeAfterMs > 0)) bad.push(`session ${x.id} turn ${t.index}: think ${t.thinkTimeAfterMs}`);
        if (t.calls.length === 0) bad.push(`session ${x.id} turn ${t.index}: no calls`);
        if (t.calls.length > 1) multiCall++;
        t.calls.forEach((c, j) => {
          const lastCall = j === t.calls.length - 1;
          if (c.index !== j + 1) bad.push(`session ${x.id} turn ${t.index}: call index ${c.index} at position ${j}`);
          if (lastCall ? c.toolLatencyAfterMs !== 0 || c.toolResultTokens !== 0 : !(c.toolLatencyAfterMs > 0 && c.toolResultTokens > 0))
            bad.push(`session ${x.id} turn ${t.index} call ${c.index}: tool ${c.toolLatencyAfterMs} ms, ${c.toolResultTokens} tok`);
        });
      });
    }
    expect(bad).toEqual([]);
    expect(single).toBeGreaterThan(100); // the one-turn case is covered
    expect(multiCall).toBeGreaterThan(1000); // and the agent-loop case
  });
});

describe('prompt repetition', () => {
  const DISTINCT = 50;
  const repeats = (turns: 'first' | 'all', share = 0.3) =>
    scenario(`
${USERS}
conversation: { turns: { dist: poisson, mean: 4 }, callsPerTurn: { dist: poisson, mean: 2 } }
prompts: { repeatShare: ${share}, distinct: ${DISTINCT}, zipfExponent: 1, turns: ${turns} }
${MODEL}
`);

  it('turns: first → 30 % of first turns are repeats (binomial 4 sd ≈ 1.2 pp), no later turn is; keys are faq-1..faq-50 or s<id>-t<n>', () => {
    const sessions = [...new Workload(repeats('first')).sessions()];
    const firsts = sessions.map((x) => x.turns[0]!);
    const later = sessions.flatMap((x) => x.turns.slice(1));
    expect(sessions.length).toBeGreaterThan(20_000);
    expectShare(firsts.filter((t) => t.repeated).length, firsts.length, 0.3, 'repeated first turns');
    expect(later.length).toBeGreaterThan(50_000);
    expect(later.filter((t) => t.repeated)).toEqual([]);
    const badKeys: string[] = [];
    for (const x of sessions)
      for (const t of x.turns) {
        const k = Number(/^faq-(\d+)$/.exec(t.promptKey)?.[1]);
        if (t.repeated ? !(k >= 1 && k <= DISTINCT) : t.promptKey !== `s${x.id}-t${t.index}`) badKeys.push(`session ${x.id} turn ${t.index}: ${t.promptKey}`);
      }
    expect(badKeys).toEqual([]);
  });

  it('a FAQ key always carries the same userTokens and the same first-call outputTokens, wherever it appears', () => {
    const seen = new Map<string, { userTokens: number; outputTokens: number; n: number }>();
    const mismatches: string[] = [];
    for (const x of new Workload(repeats('all')).sessions())
      for (const t of x.turns) {
        if (!t.repeated) continue;
        const mine = { userTokens: t.userTokens, outputTokens: t.calls[0]!.outputTokens };
        const prev = seen.get(t.promptKey);
        if (!prev) seen.set(t.promptKey, { ...mine, n: 1 });
        else if (prev.userTokens !== mine.userTokens || prev.outputTokens !== mine.outputTokens) mismatches.push(`${t.promptKey} in session ${x.id} turn ${t.index}`);
        else prev.n++;
      }
    expect(mismatches).toEqual([]);
    expect(seen.size).toBe(DISTINCT); // every key occurs (the rarest expects ~150 draws)
    expect([...seen.values()].every((v) => v.n >= 2)).toBe(true);
    // Sizes differ between keys: they are drawn per key, not a constant.
    expect(new Set([...seen.values()].map((v) => v.userTokens)).size).toBeGreaterThan(DISTINCT / 2);
  });

  it('FAQ keys follow the Zipf: faq-1 is 1/H(50) ≈ 22.2 % of repeats and faq-2 half that (binomial 4 sd)', () => {
    const keys = [...new Workload(repeats('all')).sessions()].flatMap((x) => x.turns.filter((t) => t.repeated).map((t) => t.promptKey));
    let h = 0;
    for (let k = 1; k <= DISTINCT; k++) h += 1 / k;
    expectShare(keys.filter((k) => k === 'faq-1').length, keys.length, 1 / h, 'faq-1');
    expectShare(keys.filter((k) => k === 'faq-2').length, keys.length, 1 / 2 / h, 'faq-2');
  });

  it('turns: all → later turns are repeats at the same 30 %', () => {
    const sessions = [...new Workload(repeats('all')).sessions()];
    const later = sessions.flatMap((x) => x.turns.slice(1));
    expectShare(later.filter((t) => t.repeated).length, later.length, 0.3, 'repeated later turns');
    expectShare(sessions.filter((x) => x.turns[0]!.repeated).length, sessions.length, 0.3, 'repeated first turns');
  });

  it('repeatShare 0 → no repeats at all', () => {
    const sessions: Session[] = [...new Workload(repeats('all', 0)).sessions({ untilMs: 300_000 })];
    expect(sessions.flatMap((x) => x.turns).filter((t) => t.repeated)).toEqual([]);
  });
});

describe('priority mix', () => {
  const mixed = (mix: string) =>
    [...new Workload(scenario(`${USERS.replace('arrivalRate: 10/s', `arrivalRate: 10/s, priorityMix: ${mix}`)}\nconversation: { turns: 1 }\n${MODEL}`)).sessions()].map((x) => x.priority);

  it('{ interactive: 0.2, standard: 0.3, batch: 0.5 } gives those shares (binomial 4 sd over ~24,000 sessions)', () => {
    const p = mixed('{ interactive: 0.2, standard: 0.3, batch: 0.5 }');
    expect(p.length).toBeGreaterThan(20_000);
    expectShare(p.filter((x) => x === 'interactive').length, p.length, 0.2, 'interactive');
    expectShare(p.filter((x) => x === 'standard').length, p.length, 0.3, 'standard');
    expectShare(p.filter((x) => x === 'batch').length, p.length, 0.5, 'batch');
  });

  it('weights need not sum to 1, and a class with weight 0 never appears', () => {
    const p = mixed('{ interactive: 0, standard: 2, batch: 6 }');
    expect(new Set(p)).toEqual(new Set(['standard', 'batch']));
    expectShare(p.filter((x) => x === 'standard').length, p.length, 0.25, 'standard');
  });

  it('a single class takes every session', () => {
    expect(new Set(mixed('{ batch: 1 }'))).toEqual(new Set(['batch']));
  });
});
