// Lint rules that carry the architecture (../shared/DESIGN.md "Layout"):
// - src/core is pure: no wall clock, no timers, no I/O, no imports of sim/runtime/loadtest/report/cli.
// - dependencies point one way: cli → {sim, runtime, loadtest, report, ci} → {workload, core} → scenario.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (name) => [`**/${name}/**`, `../${name}/*`, `../../${name}/*`];
const ioModules = [
  'node:fs', 'fs', 'node:fs/promises', 'fs/promises', 'node:net', 'net', 'node:http', 'http',
  'node:https', 'https', 'node:child_process', 'child_process', 'node:dgram', 'node:worker_threads',
  'node:timers', 'timers', 'node:timers/promises', 'node:perf_hooks', 'perf_hooks', 'node:process',
  'ioredis', 'fastify', '@anthropic-ai/sdk', 'undici',
];
const restrict = (layers, extraPaths = []) => ({
  'no-restricted-imports': ['error', {
    paths: extraPaths.map((name) => ({ name, message: 'This layer must not do I/O or read the clock (DESIGN.md "The one idea").' })),
    patterns: layers.map((l) => ({ group: layer(l), message: `Dependency direction (DESIGN.md "Layout"): this layer must not import ${l}.` })),
  }],
});

const clockAndTimers = {
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Time is injected in src/core: use the Scheduler.' },
    { name: 'setInterval', message: 'Time is injected in src/core: use the Scheduler.' },
    { name: 'setImmediate', message: 'Time is injected in src/core: use the Scheduler.' },
    { name: 'performance', message: 'Time is injected in src/core: take `now` as a parameter.' },
    { name: 'process', message: 'src/core does no I/O and reads no environment.' },
    { name: 'fetch', message: 'src/core does no I/O.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'Time is injected in src/core: take `now` as a parameter.' },
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time is injected in src/core: take `now` as a parameter.' },
    { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Randomness is injected: pass a seeded Rng.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'schema/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['src/core/**/*.ts'], rules: { ...clockAndTimers, ...restrict(['sim', 'runtime', 'loadtest', 'report', 'cli', 'workload'], ioModules) } },
  { files: ['src/scenario/**/*.ts'], rules: restrict(['core', 'workload', 'sim', 'runtime', 'loadtest', 'report', 'cli']) },
  { files: ['src/workload/**/*.ts'], rules: { 'no-restricted-syntax': clockAndTimers['no-restricted-syntax'], ...restrict(['sim', 'runtime', 'loadtest', 'report', 'cli']) } },
  { files: ['src/sim/**/*.ts'], rules: restrict(['runtime', 'loadtest', 'cli']) },
  { files: ['src/runtime/**/*.ts'], rules: restrict(['sim', 'loadtest', 'cli']) },
  { files: ['src/loadtest/**/*.ts'], rules: restrict(['runtime', 'cli']) },
  { files: ['src/report/**/*.ts'], rules: restrict(['runtime', 'loadtest', 'cli']) },
  // ci compares reports: it reads them, never makes them (the CLI simulates), so it stands beside report.
  { files: ['src/ci/**/*.ts'], rules: restrict(['sim', 'runtime', 'loadtest', 'report', 'workload', 'cli']) },
  { files: ['bin/**/*.js', 'eslint.config.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
