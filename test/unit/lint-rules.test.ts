/**
 * The architecture is enforced by lint (eslint.config.js): this proves the rules fire where they must
 * and stay quiet where they must not, so a config edit cannot switch them off unnoticed.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function errors(code: string, filePath: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

describe('architecture lint rules', () => {
  it.each([
    { what: 'Date.now()', file: 'src/core/x.ts', code: 'export const now = Date.now();\n', rule: 'no-restricted-syntax', message: 'Time is injected' },
    { what: 'new Date()', file: 'src/core/x.ts', code: 'export const now = new Date();\n', rule: 'no-restricted-syntax', message: 'Time is injected' },
    { what: 'setTimeout', file: 'src/core/x.ts', code: 'export const later = (f: () => void) => setTimeout(f, 10);\n', rule: 'no-restricted-globals', message: 'use the Scheduler' },
    { what: 'Math.random', file: 'src/core/x.ts', code: 'export const coin = () => Math.random() < 0.5;\n', rule: 'no-restricted-syntax', message: 'seeded Rng' },
    { what: 'process.env', file: 'src/core/x.ts', code: 'export const home = process.env.HOME;\n', rule: 'no-restricted-globals', message: 'no I/O' },
    { what: 'import of node:fs', file: 'src/core/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n", rule: 'no-restricted-imports', message: 'must not do I/O' },
    { what: 'import of the simulator', file: 'src/core/x.ts', code: "import { run } from '../sim/engine.js';\nexport const go = run;\n", rule: 'no-restricted-imports', message: 'must not import sim' },
    { what: 'type import of the runtime', file: 'src/core/limiter/x.ts', code: "import type { App } from '../../runtime/app.js';\nexport type A = App;\n", rule: 'no-restricted-imports', message: 'must not import runtime' },
    { what: 'sim importing runtime', file: 'src/sim/x.ts', code: "import { buildApp } from '../runtime/app.js';\nexport const app = buildApp;\n", rule: 'no-restricted-imports', message: 'must not import runtime' },
    { what: 'scenario importing core', file: 'src/scenario/x.ts', code: "import { limiter } from '../core/x.js';\nexport const l = limiter;\n", rule: 'no-restricted-imports', message: 'must not import core' },
    { what: 'workload reading the clock', file: 'src/workload/x.ts', code: 'export const now = Date.now();\n', rule: 'no-restricted-syntax', message: 'Time is injected' },
  ])('$what in $file is an error', async ({ code, file, rule, message }) => {
    expect(await errors(code, file)).toContainEqual({ ruleId: rule, message: expect.stringContaining(message) });
  });

  it.each([
    { what: 'Date.now() in the runtime', file: 'src/runtime/x.ts', code: 'export const now = Date.now();\n' },
    { what: 'setTimeout in the runtime', file: 'src/runtime/x.ts', code: 'export const later = (f: () => void) => setTimeout(f, 10);\n' },
    { what: 'new Date(ms) in core (a value, not the clock)', file: 'src/core/x.ts', code: 'export const at = (ms: number) => new Date(ms);\n' },
    { what: 'core importing scenario types', file: 'src/core/x.ts', code: "import type { Scenario } from '../scenario/schema.js';\nexport type S = Scenario;\n" },
    { what: 'sim importing core', file: 'src/sim/x.ts', code: "import { limiter } from '../core/limiter.js';\nexport const l = limiter;\n" },
  ])('$what is allowed', async ({ code, file }) => {
    expect(await errors(code, file)).toEqual([]);
  });
});
