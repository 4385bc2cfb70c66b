/**
 * The scenario checker against bad input: each case is a broken scenario and *every* problem it must
 * report, located to the line and column a user would jump to. Each case also goes through
 * `headroom scenario check` to prove the user sees exit code 2, `file:line:column` and no stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScenarioFile } from '../../../src/scenario/load.js';
import { runCli } from '../../helpers/cli.js';

interface Expected {
  /** `line:column`, 1-based. */
  at: string;
  path: string;
  /** A substring of the message. */
  message: string;
  /** A substring of the hint, where there is one worth checking (did-you-mean). */
  hint?: string;
}

interface Case {
  name: string;
  /** The file's text, or a generator for inputs too big to keep around (or bytes that are not UTF-8). */
  yaml: string | (() => string | Buffer);
  problems: Expected[];
}

/** A valid scenario of six lines: whatever a case appends starts on line 7. */
const MINIMAL = `users:
  dailyActive: 5000
  concurrencyRatio: 3%
models:
  sonnet:
    id: claude-sonnet-4-5
`;
const plus = (extra: string) => MINIMAL + extra;
const edit = (from: string, to: string) => {
  if (!MINIMAL.includes(from)) throw new Error(`case table: ${JSON.stringify(from)} is not in MINIMAL`);
  return MINIMAL.replace(from, to);
};

/** Billion laughs: nine levels, each list naming the previous anchor ten times (10^9 leaves if expanded). */
function aliasBomb(): string {
  let text = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]\n`;
  return text + MINIMAL;
}

const FIFTY_MIB = 50 * 1024 * 1024;
function fiftyMegabytes(): string {
  const row = '  - padding to make the file absurdly large for a scenario\n';
  const head = plus('padding:\n');
  return head + row.repeat(Math.ceil((FIFTY_MIB - head.length) / row.length));
}

const CASES: Case[] = [
  // ---- YAML syntax and document shape ----
  { name: 'bad indentation', yaml: edit('  concurrencyRatio', ' concurrencyRatio'), problems: [{ at: '3:1', path: '(document)', message: 'YAML: All mapping items must start at the same column' }] },
  { name: 'unclosed flow mapping', yaml: 'users: { dailyActive: 5000, concurrencyRatio: 3%\nmodels:\n  sonnet:\n    id: claude-sonnet-4-5\n', problems: [{ at: '2:1', path: '(document)', message: 'must be sufficiently indented and end with a }' }] },
  { name: 'unclosed flow list', yaml: plus('router:\n  fallback: [sonnet\n'), problems: [{ at: '9:1', path: '(document)', message: 'must be sufficiently indented and end with a ]' }] },
  {
    name: 'tab indentation',
    yaml: edit('  dailyActive: 5000\n  concurrencyRatio', '\tdailyActive: 5000\n\tconcurrencyRatio'),
    problems: [
      { at: '2:1', path: '(document)', message: 'Tabs are not allowed as indentation' },
      { at: '3:1', path: '(document)', message: 'Tabs are not allowed as indentation' },
    ],
  },
  { name: 'duplicate key', yaml: plus('users:\n  dailyActive: 1\n'), problems: [{ at: '7:1', path: 'users', message: 'Map keys must be unique' }] },
  { name: 'duplicate nested key', yaml: edit('  concurrencyRatio: 3%\n', '  concurrencyRatio: 3%\n  dailyActive: 6000\n'), problems: [{ at: '4:3', path: 'users.dailyActive', message: 'Map keys must be unique' }] },
  { name: 'empty file', yaml: '', problems: [{ at: '1:1', path: '(document)', message: 'the file is empty', hint: 'at least `users` and `models`' }] },
  { name: 'comment-only file', yaml: '# a scenario, one day\n\n   # maybe\n', problems: [{ at: '1:1', path: '(document)', message: 'the file is empty' }] },
  { name: 'top-level list', yaml: '- users\n- models\n', problems: [{ at: '1:1', path: '(document)', message: 'expected a mapping of scenario keys, found a list' }] },
  { name: 'top-level scalar', yaml: 'just some text\n', problems: [{ at: '1:1', path: '(document)', message: 'expected a mapping of scenario keys, found "just some text"' }] },
  { name: 'missing users', yaml: 'models:\n  sonnet:\n    id: claude-sonnet-4-5\n', problems: [{ at: '1:1', path: 'users', message: 'missing: expected a mapping' }] },
  { name: 'models missing', yaml: 'users:\n  dailyActive: 5000\n  concurrencyRatio: 3%\n', problems: [{ at: '1:1', path: 'models', message: 'missing: expected a mapping' }] },
  { name: 'no models', yaml: edit('models:\n  sonnet:\n    id: claude-sonnet-4-5\n', 'models: {}\n'), problems: [{ at: '4:9', path: 'models', message: 'expected at least one model' }] },

  // ---- wrong types ----
  { name: 'string where a number belongs', yaml: edit('5000', 'lots'), problems: [{ at: '2:16', path: 'users.dailyActive', message: 'expected a number, optionally with k/M/G, like 1500 or 1.5k, found "lots"' }] },
  { name: 'list where a mapping belongs', yaml: plus('workers: [1, 2]\n'), problems: [{ at: '7:10', path: 'workers', message: 'expected a mapping, found a list of 2' }] },
  { name: 'number where a price belongs', yaml: plus('    price: { input: 3, output: $15/Mtok }\n'), problems: [{ at: '7:21', path: 'models.sonnet.price.input', message: 'expected a price per token count, like $3/Mtok or $0.30/Mtok, found 3' }] },

  // ---- zero or negative where a positive value is required ----
  { name: 'dailyActive 0', yaml: edit('5000', '0'), problems: [{ at: '2:16', path: 'users.dailyActive', message: 'expected at least 1, found 0' }] },
  { name: 'negative limits.rpm', yaml: plus('    limits: { rpm: -5 }\n'), problems: [{ at: '7:20', path: 'models.sonnet.limits.rpm', message: 'expected more than 0, found -5' }] },
  { name: 'workers.count 0', yaml: plus('workers: { count: 0 }\n'), problems: [{ at: '7:19', path: 'workers.count', message: 'expected at least 1, found 0' }] },

  // ---- units ----
  { name: 'unknown unit: parsecs', yaml: plus('conversation:\n  thinkTime: 30 parsecs\n'), problems: [{ at: '8:14', path: 'conversation.thinkTime', message: 'expected a duration with a unit, like 250ms, 30s, 2m, 1h, found "30 parsecs"' }] },
  { name: 'unit spelt out: 2 hours', yaml: plus('duration: 2 hours\n'), problems: [{ at: '7:11', path: 'duration', message: 'expected a duration with a unit, like 250ms, 30s, 2m, 1h, found "2 hours"' }] },
  { name: 'price per token in words', yaml: plus('    price: { input: $3 per token, output: $15/Mtok }\n'), problems: [{ at: '7:21', path: 'models.sonnet.price.input', message: 'expected a price per token count, like $3/Mtok or $0.30/Mtok, found "$3 per token"' }] },
  { name: 'bare number for a duration', yaml: plus('duration: 3600\n'), problems: [{ at: '7:11', path: 'duration', message: 'expected a duration with a unit, like 250ms, 30s, 2m, 1h, found 3600' }] },
  { name: 'ratio above 1', yaml: edit('3%', '1.5'), problems: [{ at: '3:21', path: 'users.concurrencyRatio', message: 'expected a ratio in [0, 1] or a percentage, like 0.03 or 3%, found 1.5' }] },
  { name: 'percentage above 100%', yaml: edit('3%', '150%'), problems: [{ at: '3:21', path: 'users.concurrencyRatio', message: 'found "150%"' }] },

  // ---- references between sections ----
  { name: 'router.default names no model', yaml: plus('router:\n  default: sonet\n'), problems: [{ at: '8:12', path: 'router.default', message: 'model "sonet" is not defined (defined: sonnet)', hint: 'did you mean "sonnet"?' }] },
  { name: 'router rule uses no model', yaml: plus('router:\n  rules:\n    - when: { minTurn: 3 }\n      use: haiku\n'), problems: [{ at: '10:12', path: 'router.rules[0].use', message: 'model "haiku" is not defined' }] },
  { name: 'split key names no model', yaml: plus('router:\n  default: { sonnet: 1, opus: 2 }\n'), problems: [{ at: '8:25', path: 'router.default.opus', message: 'model "opus" is not defined' }] },
  { name: 'rule split key misspelt', yaml: plus('router:\n  rules:\n    - when: { minTurn: 2 }\n      split: { sonnet: 1, sonet: 1 }\n'), problems: [{ at: '10:27', path: 'router.rules[0].split.sonet', message: 'model "sonet" is not defined', hint: 'did you mean "sonnet"?' }] },
  { name: 'fallback entry names no model', yaml: plus('router:\n  fallback: [sonnet, haiku]\n'), problems: [{ at: '8:22', path: 'router.fallback[1]', message: 'model "haiku" is not defined' }] },
  { name: 'priorityMix names no queue class', yaml: edit('3%\n', '3%\n  priorityMix: { interactiv: 1 }\n'), problems: [{ at: '4:18', path: 'users.priorityMix.interactiv', message: 'queue class "interactiv" is not defined (defined: interactive, standard, batch)', hint: 'did you mean "interactive"?' }] },
  { name: 'maxTokens above the model\'s maximum output', yaml: plus('    maxTokens: 100k\n'), problems: [{ at: '7:16', path: 'models.sonnet.maxTokens', message: 'expected at most 64000, the maximum output of claude-sonnet-4-5' }] },
  { name: 'model id not in the price catalog', yaml: edit('claude-sonnet-4-5', 'claude-sonet-4-5'), problems: [{ at: '6:9', path: 'models.sonnet.id', message: 'no catalog price for model id "claude-sonet-4-5"', hint: 'did you mean "claude-sonnet-4-5"?' }] },
  // A rule whose bounds exclude each other never matches: its model is silently never used.
  { name: 'router rule with minTurn above maxTurn', yaml: plus('router:\n  rules:\n    - when: { minTurn: 5, maxTurn: 2 }\n      use: sonnet\n'), problems: [{ at: '9:36', path: 'router.rules[0].when.maxTurn', message: 'expected maxTurn ≥ minTurn (5), found 2: the rule could never match' }] },
  { name: 'router rule with minInputTokens above maxInputTokens', yaml: plus('router:\n  rules:\n    - when: { minInputTokens: 5k, maxInputTokens: 100 }\n      use: sonnet\n'), problems: [{ at: '9:51', path: 'router.rules[0].when.maxInputTokens', message: 'expected maxInputTokens ≥ minInputTokens (5000), found 100' }] },
  { name: 'warm-up as long as the run', yaml: plus('duration: 10m\nwarmup: 10m\n'), problems: [{ at: '8:9', path: 'warmup', message: 'expected warm-up (10m) shorter than the duration (10m)' }] },

  // ---- distributions ----
  { name: 'lognormal p95 below the median', yaml: plus('conversation:\n  thinkTime: { dist: lognormal, median: 30s, p95: 10s }\n'), problems: [{ at: '8:51', path: 'conversation.thinkTime.p95', message: 'expected p95 above the median, found "10s"' }] },
  { name: 'lognormal with neither pair', yaml: plus('conversation:\n  thinkTime: { dist: lognormal }\n'), problems: [{ at: '8:14', path: 'conversation.thinkTime', message: 'expected either `median` and `p95`, or `mean` and `sd`' }] },
  { name: 'uniform max below min', yaml: plus('conversation:\n  thinkTime: { dist: uniform, min: 5s, max: 2s }\n'), problems: [{ at: '8:45', path: 'conversation.thinkTime.max', message: 'expected max ≥ min, found "2s"' }] },
  { name: 'empirical weights of the wrong length', yaml: plus('conversation:\n  turns: { dist: empirical, values: [1, 2, 3], weights: [1, 2] }\n'), problems: [{ at: '8:57', path: 'conversation.turns.weights', message: 'expected 3 weights, one per value, found a list of 2' }] },
  { name: 'unknown dist name', yaml: plus('conversation:\n  turns: { dist: poison, mean: 6 }\n'), problems: [{ at: '8:18', path: 'conversation.turns.dist', message: 'expected one of constant, uniform, normal, exponential, lognormal, poisson, zipf, empirical, found "poison"', hint: 'did you mean "poisson"?' }] },

  // ---- unknown keys ----
  { name: 'unknown key thinktime', yaml: plus('conversation:\n  thinktime: 30s\n'), problems: [{ at: '8:3', path: 'conversation.thinktime', message: 'unknown key "thinktime"', hint: 'did you mean "thinkTime"?' }] },
  { name: 'unknown key arival', yaml: edit('3%\n', '3%\n  arival: { profile: flat }\n'), problems: [{ at: '4:3', path: 'users.arival', message: 'unknown key "arival"', hint: 'did you mean "arrival"?' }] },
  {
    name: 'unknown key dailyActiv (and so dailyActive missing)',
    yaml: edit('dailyActive', 'dailyActiv'),
    problems: [
      { at: '2:3', path: 'users.dailyActiv', message: 'unknown key "dailyActiv"', hint: 'did you mean "dailyActive"?' },
      { at: '2:3', path: 'users.dailyActive', message: 'missing: expected a number' },
    ],
  },
  { name: 'unknown key inside a model', yaml: plus('    latncy: { ttft: 1s }\n'), problems: [{ at: '7:5', path: 'models.sonnet.latncy', message: 'unknown key "latncy"', hint: 'did you mean "latency"?' }] },

  // ---- absurdly large values ----
  { name: 'dailyActive 1e12', yaml: edit('5000', '1e12'), problems: [{ at: '2:16', path: 'users.dailyActive', message: 'expected at most 1000000000, found 1000000000000' }] },
  { name: 'duration 400d', yaml: plus('duration: 400d\n'), problems: [{ at: '7:11', path: 'duration', message: 'expected at most 744h, found "400d"' }] },
  { name: 'workers.count 1e9', yaml: plus('workers: { count: 1e9 }\n'), problems: [{ at: '7:19', path: 'workers.count', message: 'expected at most 100000, found 1000000000' }] },
  // A price or an amount of 400 digits reads as Infinity (the run then failed with an internal error on
  // its first cost); a price far above any published one overflows the exact cost totals just the same.
  { name: 'price of 400 digits', yaml: plus(`    price: { input: $${'9'.repeat(400)}/Mtok, output: $15/Mtok }\n`), problems: [{ at: '7:21', path: 'models.sonnet.price.input', message: 'expected at most $1000/Mtok, found "$999' }] },
  { name: 'price of 300 digits (finite)', yaml: plus(`    price: { input: $3/Mtok, output: $${'9'.repeat(300)}/Mtok }\n`), problems: [{ at: '7:38', path: 'models.sonnet.price.output', message: 'expected at most $1000/Mtok' }] },
  { name: 'SLO cost of 400 digits', yaml: plus(`slo: { maxCostPerDay: $${'9'.repeat(400)} }\n`), problems: [{ at: '7:23', path: 'slo.maxCostPerDay', message: 'expected a finite amount, found "$999' }] },
  { name: 'spike at 400 digits of days', yaml: edit('3%\n', `3%\n  arrival: { profile: spikes, spikes: [{ at: ${'9'.repeat(400)}d, for: 1m, multiplier: 2 }] }\n`), problems: [{ at: '4:46', path: 'users.arrival.spikes[0].at', message: 'expected a finite amount' }] },

  // ---- hostile input ----
  { name: 'alias bomb (billion laughs)', yaml: aliasBomb, problems: [{ at: '1:1', path: '(document)', message: 'Excessive alias count', hint: 'at most 200 times' }] },
  { name: 'alias with no anchor', yaml: plus('    limits: *nope\n'), problems: [{ at: '7:13', path: 'models.sonnet.limits', message: 'unresolved alias *nope: no anchor &nope is set before it', hint: 'set the anchor (&nope)' }] },
  {
    name: 'alias before its anchor',
    yaml: plus('    limits: *lim\n  haiku:\n    id: claude-haiku-4-5\n    limits: &lim { rpm: 50 }\n'),
    problems: [{ at: '7:13', path: 'models.sonnet.limits', message: 'unresolved alias *lim' }],
  },
  { name: 'several YAML documents', yaml: plus('---\nname: second\n'), problems: [{ at: '7:1', path: '(document)', message: 'YAML: the file holds more than one YAML document' }] },
  { name: 'a key that is a list', yaml: plus('? [a, b]\n: c\n'), problems: [{ at: '7:3', path: '(document)', message: 'YAML: expected a key name, found a list' }] },
  { name: 'a key that is null', yaml: plus('~: x\n'), problems: [{ at: '7:1', path: '(document)', message: 'YAML: expected a key name, found null' }] },
  { name: 'a model name with a space', yaml: edit('  sonnet:', '  "son net":'), problems: [{ at: '5:3', path: 'models.son net', message: 'expected a name of letters, digits, `_`, `-` or `.`, starting with a letter, found "son net"' }] },
  { name: 'a queue class name with a colon', yaml: plus('queue: { classes: { "a:b": { priority: 0 } } }\n'), problems: [{ at: '7:21', path: 'queue.classes.a:b', message: 'expected a name of letters' }] },
  { name: 'Latin-1 bytes, not UTF-8', yaml: () => Buffer.concat([Buffer.from(MINIMAL), Buffer.from('name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]), problems: [{ at: '7:10', path: '(file)', message: 'the file is not UTF-8 text' }] },
  { name: 'UTF-16 with a byte-order mark', yaml: () => Buffer.from(`\ufeff${MINIMAL}`, 'utf16le'), problems: [{ at: '1:1', path: '(file)', message: 'the file is not UTF-8 text' }] },
  { name: 'queue with no classes', yaml: plus('queue: { classes: {} }\n'), problems: [{ at: '7:19', path: 'queue.classes', message: 'expected at least one queue class' }] },
  { name: '50 MiB file', yaml: fiftyMegabytes, problems: [{ at: '1:1', path: '(file)', message: 'the file is 50.0 MiB; scenarios are limited to 4 MiB' }] },

  // ---- every problem at once, not the first ----
  {
    name: 'many problems at once',
    yaml: `users:
  dailyActive: -1
  concurrencyRatio: 2
models:
  sonnet:
    id: claude-sonet-4-5
    limits: { rpm: 0 }
workers: { count: 0, concurency: 3 }
router:
  default: sonet
  fallback: [haiku]
duration: 5 minutes
conversation:
  thinktime: 30s
  turns: { dist: uniform, min: 5, max: 2 }
`,
    problems: [
      { at: '2:16', path: 'users.dailyActive', message: 'expected at least 1, found -1' },
      { at: '3:21', path: 'users.concurrencyRatio', message: 'expected a ratio in [0, 1]' },
      { at: '6:9', path: 'models.sonnet.id', message: 'no catalog price', hint: 'did you mean "claude-sonnet-4-5"?' },
      { at: '7:20', path: 'models.sonnet.limits.rpm', message: 'expected more than 0, found 0' },
      { at: '8:19', path: 'workers.count', message: 'expected at least 1, found 0' },
      { at: '8:22', path: 'workers.concurency', message: 'unknown key "concurency"', hint: 'did you mean "concurrency"?' },
      { at: '10:12', path: 'router.default', message: 'model "sonet" is not defined', hint: 'did you mean "sonnet"?' },
      { at: '11:14', path: 'router.fallback[0]', message: 'model "haiku" is not defined' },
      { at: '12:11', path: 'duration', message: 'found "5 minutes"' },
      { at: '14:3', path: 'conversation.thinktime', message: 'unknown key "thinktime"', hint: 'did you mean "thinkTime"?' },
      { at: '15:40', path: 'conversation.turns.max', message: 'expected max ≥ min, found 2' },
    ],
  },
];

let dir: string;
const files = new Map<string, string>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-bad-scenarios-'));
  CASES.forEach((c, i) => {
    const file = join(dir, `case-${i}.yaml`);
    writeFileSync(file, typeof c.yaml === 'string' ? c.yaml : c.yaml());
    files.set(c.name, file);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad scenarios', () => {
  it('has enough cases to mean something, each with a unique name', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$name: reports every problem, located', async ({ name, problems: expected }) => {
    const file = files.get(name)!;
    const result = await checkScenarioFile(file);
    expect(result.scenario).toBeUndefined();
    const found = result.problems.map((p) => ({ at: `${p.line}:${p.column}`, path: p.path, message: p.message, hint: p.hint ?? '', file: p.file }));
    for (const p of found) expect(p.file).toBe(file);
    // Order-free matching: two problems may share a position, and their order is not a contract.
    expect(found).toHaveLength(expected.length);
    for (const e of expected) {
      expect(found).toContainEqual(
        expect.objectContaining({ at: e.at, path: e.path, message: expect.stringContaining(e.message), ...(e.hint ? { hint: expect.stringContaining(e.hint) } : {}) }),
      );
    }
  });

  it.each(CASES)('$name: `scenario check` exits 2 with file:line:column and no stack trace', async ({ name, problems: expected }) => {
    const file = files.get(name)!;
    const { code, stdout, stderr } = await runCli(['scenario', 'check', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    for (const e of expected) expect(stderr).toContain(`${file}:${e.at}: ${e.path}: `);
    expect(stderr).toMatch(/\d+ problems? in 1 of 1 file/);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('internal error');
  });
});
