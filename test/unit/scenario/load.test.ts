/**
 * Loading good scenarios: the bundled ones are valid, a minimal one is complete (defaults filled),
 * `--set` overrides apply (and bad ones are reported, not thrown), distributions normalise, and the
 * `scenario check|show` commands print what they promise.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distMean, type Dist } from '../../../src/scenario/distributions.js';
import { checkScenarioFile, parseScenario } from '../../../src/scenario/load.js';
import { runCli } from '../../helpers/cli.js';

const BUNDLED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `scenarios/${f}`);
const SUPPORT = 'scenarios/support-agent.yaml';

/** The minimal scenario README promises is complete, taken from README itself so the two cannot part. */
const README_MINIMAL = /A complete minimal scenario:\s*```yaml\n([\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))?.[1] ?? '';

/** z of the standard normal at the 95th percentile. */
const Z95 = 1.6448536269514722;

function load(text: string) {
  const r = parseScenario(text, 'test.yaml');
  expect(r.problems).toEqual([]);
  return r.scenario!;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bundled scenarios', () => {
  it('are there', () => expect(BUNDLED.length).toBeGreaterThanOrEqual(2));

  it.each(BUNDLED)('%s loads with no problems and no warnings', async (file) => {
    const r = await checkScenarioFile(file);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.scenario?.name).toBe(file.replace(/^scenarios\/|\.yaml$/g, ''));
  });
});

describe('the minimal scenario of README', () => {
  it('is short and complete: every default is filled', () => {
    expect(README_MINIMAL.trim().split('\n').length).toBeLessThanOrEqual(10);
    const s = load(README_MINIMAL);
    expect(s.users).toMatchObject({ dailyActive: 5000, concurrencyRatio: 0.03, arrival: { profile: 'flat' }, priorityMix: { standard: 1 } });
    expect(s.workers).toEqual({ count: 4, concurrency: 10, mode: 'pooled' });
    expect(s.queue.depth).toBe(1000);
    expect(Object.keys(s.queue.classes)).toEqual(['interactive', 'standard', 'batch']);
    expect(s.router.default).toBe('sonnet'); // the only model
    expect(s.conversation.turns).toEqual({ dist: 'constant', value: 6 });
    expect(s.conversation.thinkTime).toEqual({ dist: 'constant', value: 30_000 });
    expect(s.models.sonnet).toMatchObject({ id: 'claude-sonnet-4-5', provider: 'anthropic', price: 'catalog', timeout: 60_000, contextWindow: 200_000 });
    expect(s.duration).toBe(3_600_000);
    expect(s.warmup).toBe(300_000);
  });
});

describe('--set overrides', () => {
  it('replace a value before validation', async () => {
    const before = await checkScenarioFile(SUPPORT);
    const after = await checkScenarioFile(SUPPORT, { overrides: ['users.dailyActive=20000', 'workers.count=12'] });
    expect(before.scenario?.users.dailyActive).toBe(5000);
    expect(after.problems).toEqual([]);
    expect(after.scenario?.users.dailyActive).toBe(20_000);
    expect(after.scenario?.workers.count).toBe(12);
  });

  it('take values in the unit convention', async () => {
    const r = await checkScenarioFile(SUPPORT, { overrides: ['duration=2h', 'users.concurrencyRatio=5%'] });
    expect(r.scenario?.duration).toBe(7_200_000);
    expect(r.scenario?.users.concurrencyRatio).toBe(0.05);
  });

  it.each([
    // A value a --set put there is reported at that argument: the file's line for the key holds its own value.
    { set: 'users.dailyActive=-1', file: '--set users.dailyActive=-1', line: 0, column: 0, path: 'users.dailyActive', message: 'expected at least 1, found -1' },
    { set: 'users.dailyActive=lots', file: '--set users.dailyActive=lots', line: 0, column: 0, path: 'users.dailyActive', message: 'found "lots"' },
    { set: 'users.dailyActiv=20000', file: '--set users.dailyActiv=20000', line: 0, column: 0, path: 'users.dailyActiv', message: 'unknown key "dailyActiv"', hint: 'did you mean "dailyActive"?' },
    { set: 'users.dailyActive', file: '--set', line: 0, column: 0, path: 'users.dailyActive', message: 'expected key.path=value' },
    { set: 'users..dailyActive=1', file: '--set', line: 0, column: 0, path: 'users..dailyActive=1', message: 'expected key.path=value' },
    { set: 'users.dailyActive=[1', file: '--set', line: 0, column: 0, path: 'users.dailyActive=[1', message: 'expected a YAML value after "="' },
    // Through a scalar: the YAML library throws here; it must come back as a problem, not a crash.
    { set: 'users.dailyActive.x=1', file: '--set', line: 0, column: 0, path: 'users.dailyActive.x=1', message: 'cannot set users.dailyActive.x' },
    // Past the end of a list: the items before it would be empty (reported at the file's line 1 as nulls).
    { set: 'router.fallback.3=sonnet', file: '--set', line: 0, column: 0, path: 'router.fallback.3=sonnet', message: 'cannot set router.fallback[3]: router.fallback has 1 item, so an index from 0 to 1 (1 adds one)' },
  ])('$set is reported as a located problem', async ({ set, hint, ...expected }) => {
    const r = await checkScenarioFile(SUPPORT, { overrides: [set] });
    expect(r.scenario).toBeUndefined();
    expect(r.problems).toEqual([{ ...expected, message: expect.stringContaining(expected.message), ...(hint ? { hint } : {}) }]);
  });

  it.each([
    // What a --set creates is the --set's: a rule it started, a fault it added, a key it added at the top.
    // They were placed at the file's line 1 (or a key's own line) instead.
    { set: 'router.rules.0.use=sonnet', paths: ['router.rules[0].when'], message: 'missing: expected a mapping' },
    { set: 'faults.0.errorRate=10%', paths: ['faults[0].at', 'faults[0].for'], message: 'missing: expected a duration' },
    { set: 'nonsense.x=1', paths: ['nonsense'], message: 'unknown key "nonsense"' },
  ])('problems in what $set created are placed at it', async ({ set, paths, message }) => {
    const r = await checkScenarioFile(SUPPORT, { overrides: [set] });
    expect(r.scenario).toBeUndefined();
    expect(r.problems).toEqual(paths.map((path) => expect.objectContaining({ file: `--set ${set}`, line: 0, column: 0, path, message: expect.stringContaining(message) })));
  });

  it('work from the CLI, and a bad one exits 2 without a crash', async () => {
    const good = await runCli(['scenario', 'check', SUPPORT, '--set', 'users.dailyActive=20000']);
    expect(good).toMatchObject({ code: 0, stderr: '' });
    expect(good.stdout).toContain('20,000 daily users');

    const bad = await runCli(['scenario', 'check', SUPPORT, '--set', 'users.dailyActive.x=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--set: users.dailyActive.x=1: cannot set');
    const located = await runCli(['scenario', 'check', SUPPORT, '--set', 'workers.count=0']);
    expect(located.code).toBe(2);
    expect(located.stderr).toContain('--set workers.count=0: workers.count: expected at least 1, found 0');
    expect(bad.stderr).not.toContain('internal error');
  });
});

describe('distributions normalise to base units', () => {
  const s = load(`users: { dailyActive: 100, concurrencyRatio: 10% }
models: { sonnet: { id: claude-sonnet-4-5 } }
conversation:
  turns: { dist: uniform, min: 1, max: 4 }
  thinkTime: { dist: lognormal, median: 25s, p95: 70s }
  toolLatency: { dist: lognormal, mean: 2s, sd: 1s }
  callsPerTurn: { dist: poisson, mean: 6 }
  tokens:
    systemPrompt: 2.5k
    userMessage: { dist: empirical, values: [100, 1k] }
    output: { dist: normal, mean: 300, sd: 100 }
`);

  it('lognormal by median and p95 → mu, sigma with median = exp(mu)', () => {
    const d = s.conversation.thinkTime as Extract<Dist, { dist: 'lognormal' }>;
    expect(d.dist).toBe('lognormal');
    expect(Math.exp(d.mu)).toBeCloseTo(25_000, 6);
    expect(Math.exp(d.mu + Z95 * d.sigma)).toBeCloseTo(70_000, 6);
  });

  it('lognormal by mean and sd keeps the mean and sd', () => {
    const d = s.conversation.toolLatency as Extract<Dist, { dist: 'lognormal' }>;
    expect(d.dist).toBe('lognormal');
    expect(distMean(d)).toBeCloseTo(2000, 6);
    const variance = (Math.exp(d.sigma ** 2) - 1) * Math.exp(2 * d.mu + d.sigma ** 2);
    expect(Math.sqrt(variance)).toBeCloseTo(1000, 6);
  });

  it('the other forms keep their parameters, in base units', () => {
    expect(s.conversation.turns).toEqual({ dist: 'uniform', min: 1, max: 4 });
    expect(s.conversation.callsPerTurn).toEqual({ dist: 'poisson', mean: 6 });
    expect(s.conversation.tokens.systemPrompt).toBe(2500);
    expect(s.conversation.tokens.userMessage).toEqual({ dist: 'empirical', values: [100, 1000], weights: [1, 1] });
    expect(s.conversation.tokens.output).toEqual({ dist: 'normal', mean: 300, sd: 100 });
    expect(s.conversation.tokens.toolResult).toEqual({ dist: 'constant', value: 0 });
  });

  it('defaults given as distributions normalise too', () => {
    const ttft = s.models.sonnet!.latency.ttft as Extract<Dist, { dist: 'lognormal' }>;
    expect(Math.exp(ttft.mu)).toBeCloseTo(600, 6);
  });
});

describe('distributions of whole numbers (turns, calls per turn)', () => {
  // Each draw is a whole number, but a mean, a median, a p95 or a spread need not be: `{ dist: poisson,
  // mean: 2.5 }` turns was refused as "expected a whole number", and a normal's `sd` had to be ≥ 1.
  it('take a mean, median, p95 or sd that is not whole, and an sd of 0', () => {
    const s = load(`users: { dailyActive: 100, concurrencyRatio: 10% }
models: { sonnet: { id: claude-sonnet-4-5 } }
conversation:
  turns: { dist: poisson, mean: 2.5 }
  callsPerTurn: { dist: normal, mean: 3.5, sd: 0.5 }
`);
    expect(s.conversation.turns).toEqual({ dist: 'poisson', mean: 2.5 });
    expect(s.conversation.callsPerTurn).toEqual({ dist: 'normal', mean: 3.5, sd: 0.5 });
    expect(load(`users: { dailyActive: 100, concurrencyRatio: 10% }
models: { sonnet: { id: claude-sonnet-4-5 } }
conversation:
  turns: { dist: lognormal, median: 2, p95: 5.5 }
  callsPerTurn: { dist: normal, mean: 2, sd: 0 }
`).conversation.callsPerTurn).toEqual({ dist: 'normal', mean: 2, sd: 0 });
  });

  it('still keep their values whole, and their means within the range', () => {
    const r = parseScenario(
      `users: { dailyActive: 100, concurrencyRatio: 10% }
models: { sonnet: { id: claude-sonnet-4-5 } }
conversation:
  turns: { dist: empirical, values: [1, 2.5] }
  callsPerTurn: { dist: exponential, mean: 0.5 }
`,
      'test.yaml',
    );
    expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['conversation.turns.values[1]: expected a whole number, found 2.5', 'conversation.callsPerTurn.mean: expected at least 1, found 0.5']);
  });
});

describe('YAML merge keys', () => {
  // `<<: *anchor` is how YAML users share settings between entries; it read as an unknown key "<<"
  // (did you mean "id"?) and left the merged keys missing.
  it('merge an anchored mapping into another; keys given beside `<<` win', () => {
    const s = load(`users: { dailyActive: 100, concurrencyRatio: 10% }
models:
  sonnet: &base
    id: claude-sonnet-4-5
    maxTokens: 2000
    limits: { rpm: 50 }
  haiku:
    <<: *base
    id: claude-haiku-4-5
`);
    expect(s.models.haiku).toMatchObject({ id: 'claude-haiku-4-5', maxTokens: 2000, limits: { rpm: 50 } });
  });

  it('locate a problem in a merged entry at the entry', () => {
    const r = parseScenario(
      `users: { dailyActive: 100, concurrencyRatio: 10% }
models:
  sonnet: &base
    id: claude-sonnet-4-5
  haiku:
    <<: *base
    maxTokns: 10
`,
      'test.yaml',
    );
    expect(r.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`)).toEqual(['7:5: models.haiku.maxTokns: unknown key "maxTokns"']);
  });
});

describe('scenario commands', () => {
  it('`scenario check` accepts the bundled scenarios with exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['scenario', 'check', ...BUNDLED]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const file of BUNDLED) expect(stdout).toContain(`ok  ${file}`);
  });

  it('`scenario show` prints the normalised scenario as JSON', async () => {
    const { code, stdout } = await runCli(['scenario', 'show', SUPPORT]);
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ name: 'support-agent', duration: 3_600_000, users: { dailyActive: 5000, concurrencyRatio: 0.03 }, router: { default: 'sonnet', fallback: ['haiku'] } });
  });

  it('`scenario show` of a bad file exits 2 and lists the problems', async () => {
    const file = join(dir, 'bad-show.yaml');
    writeFileSync(file, 'users: { dailyActive: 0, concurrencyRatio: 3% }\nmodels: { sonnet: { id: claude-sonnet-4-5 } }\n');
    const { code, stdout, stderr } = await runCli(['scenario', 'show', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('HEADROOM_ERR_SCENARIO_INVALID');
    expect(stderr).toContain(`${file}:1:23: users.dailyActive: expected at least 1, found 0`);
  });

  it('`scenario check --json` prints valid JSON with ok and every problem', async () => {
    const bad = join(dir, 'bad-json.yaml');
    writeFileSync(bad, 'users: { dailyActive: 0, concurrencyRatio: 3% }\nmodels: { sonnet: { id: claude-sonnet-5-5 } }\nworkers: { count: 0 }\n');
    const { code, stdout } = await runCli(['scenario', 'check', '--json', SUPPORT, bad]);
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as { ok: boolean; files: { file: string; ok: boolean; problems: unknown[] }[] };
    expect(report.ok).toBe(false);
    expect(report.files).toEqual([
      { file: SUPPORT, ok: true, problems: [], warnings: [] },
      {
        file: bad,
        ok: false,
        warnings: [],
        problems: [
          { file: bad, line: 1, column: 23, path: 'users.dailyActive', message: 'expected at least 1, found 0' },
          { file: bad, line: 3, column: 19, path: 'workers.count', message: 'expected at least 1, found 0' },
        ],
      },
    ]);
  });

  it('`scenario check --json` of good files says ok', async () => {
    const { code, stdout } = await runCli(['scenario', 'check', '--json', ...BUNDLED]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, files: BUNDLED.map((file) => ({ file, ok: true, problems: [] })) });
  });
});

describe('warnings', () => {
  const yaml = (id: string) => `users: { dailyActive: 100, concurrencyRatio: 1% }\nmodels:\n  m: { id: ${id} }\n`;

  it('warns, located, when a catalog model retires within 90 days, and says when it has retired', () => {
    const soon = parseScenario(yaml('claude-sonnet-4-5'), 'w.yaml', { today: '2026-11-21' });
    expect(soon.problems).toEqual([]);
    expect(soon.scenario).toBeDefined();
    expect(soon.warnings).toHaveLength(1);
    expect(soon.warnings[0]).toMatchObject({ line: 3, column: 12, path: 'models.m.id', message: 'claude-sonnet-4-5 retires on 2026-11-30 (in 9 days)' });
    const gone = parseScenario(yaml('claude-sonnet-4-5'), 'w.yaml', { today: '2026-12-05' });
    expect(gone.warnings[0]!.message).toBe('claude-sonnet-4-5 was retired on 2026-11-30');
    expect(parseScenario(yaml('claude-sonnet-4-5'), 'w.yaml', { today: '2026-06-01' }).warnings).toEqual([]);
    expect(parseScenario(yaml('claude-sonnet-5-5'), 'w.yaml', { today: '2026-11-21' }).warnings).toEqual([]);
  });
});
