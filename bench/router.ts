/**
 * Decision speed of the shared core's router, circuit breaker and retry policy: the per-request work
 * the pipeline does in both the simulator and the runtime.
 *
 *   npx tsx bench/router.ts [--ms 500] [--rounds 5] [--check]
 *
 * Each figure is the best of `--rounds` timed rounds of about `--ms` each, after a warm-up round, so
 * the JIT has settled and a stray GC pause does not set the number. Output is one line per figure,
 * `<name>: <N> ops/s`, then one `goal` line per goal; `--check` sets exit code 99 when a goal is missed.
 * What each operation is: bench/lib/router.ts (also used by bench/core.ts).
 */
import { parseArgs } from 'node:util';
import { decisionRate, type DecisionCase } from './lib/router.js';
import { sink } from './lib/measure.js';

const GOALS: Partial<Record<DecisionCase, number>> = {
  'router decision (default only)': 5_000_000,
  'router decision (5 rules + split)': 1_000_000,
};
const CASES: DecisionCase[] = ['router decision (default only)', 'router decision (5 rules + split)', 'breaker allow+record', 'retry nextDelay'];

const { values: args } = parseArgs({
  options: {
    ms: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    check: { type: 'boolean', default: false },
  },
});
const opts = { roundMs: Number(args.ms), rounds: Number(args.rounds) };

const results = CASES.map((name) => [name, decisionRate(name, opts)] as const);

let missed = false;
for (const [name, opsPerS] of results) console.log(`${name}: ${Math.round(opsPerS)} ops/s`);
for (const [name, goal] of Object.entries(GOALS)) {
  const got = results.find(([n]) => n === name)![1];
  missed ||= got < goal;
  console.log(`goal ${name}: ${got >= goal ? 'pass' : 'MISS'} (≥ ${goal} ops/s)`);
}
if (sink.value === 42) console.log('(sink)'); // never true in practice; reading `sink` keeps it live
if (args.check && missed) process.exitCode = 99;
