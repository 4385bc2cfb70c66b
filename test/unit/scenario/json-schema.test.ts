/**
 * The JSON Schema editors use: the committed file must be what the zod schema generates (drift check),
 * and it must actually constrain documents — keys, required sections — not accept anything.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keysAt, scenarioJsonSchema } from '../../../src/scenario/json-schema.js';

const COMMITTED = 'schema/scenario.schema.json';

describe('scenario JSON Schema', () => {
  it(`${COMMITTED} matches the zod schema`, () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as unknown;
    expect(committed, `${COMMITTED} is out of date with src/scenario/schema.ts: run \`npm run schema\` and commit the result`).toEqual(scenarioJsonSchema());
  });

  it('is a closed object that requires users and models', () => {
    const schema = scenarioJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['users', 'models']));
  });

  it.each([
    { path: [], keys: ['users', 'models', 'conversation', 'router', 'workers', 'queue', 'duration', 'warmup'] },
    { path: ['users'], keys: ['dailyActive', 'concurrencyRatio', 'arrival', 'priorityMix'] },
    { path: ['conversation'], keys: ['thinkTime', 'turns', 'callsPerTurn', 'tokens', 'context'] },
    { path: ['conversation', 'thinkTime'], keys: ['dist', 'median', 'p95', 'mean', 'sd', 'min', 'max', 'values', 'weights'] },
    { path: ['models', 'anyname'], keys: ['id', 'latency', 'limits', 'price'] },
    { path: ['models', 'anyname', 'limits'], keys: ['rpm', 'itpm', 'otpm'] },
    { path: ['router', 'rules', 0], keys: ['when', 'use', 'split'] },
    { path: ['faults', 3], keys: ['model', 'at', 'for', 'errorRate'] },
  ])('keysAt($path) offers $keys', ({ path, keys }) => {
    expect(keysAt(path)).toEqual(expect.arrayContaining(keys));
  });

  it('keysAt does not offer keys from elsewhere, nor invent paths', () => {
    expect(keysAt(['conversation'])).not.toContain('dailyActive');
    expect(keysAt(['users'])).not.toContain('thinkTime');
    expect(keysAt(['nonsense'])).toEqual([]);
    expect(keysAt(['users', 'dailyActive'])).toEqual([]);
  });
});
