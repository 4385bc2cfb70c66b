/**
 * `--variant 'NAME: key=value; key=value'` (cli/variant-spec.ts): the name is optional, `;` separates
 * overrides except inside quotes or brackets (YAML flow values), and what cannot be a variant is bad
 * input naming the argument. The overrides themselves are checked later, exactly as `--set` is.
 */
import { describe, expect, it } from 'vitest';
import { HeadroomError } from '../../../src/errors.js';
import { parseVariant } from '../../../src/cli/variant-spec.js';

describe('parseVariant', () => {
  it.each([
    ['haiku: router.default=haiku', 'haiku', ['router.default=haiku']],
    ['no cache:cache=false', 'no cache', ['cache=false']],
    ['4x: users.dailyActive=20000; workers.count=12;', '4x', ['users.dailyActive=20000', 'workers.count=12']],
    ['workers.count=4', 'workers.count=4', ['workers.count=4']],
    ['workers.count=4 ; cache=false', 'workers.count=4; cache=false', ['workers.count=4', 'cache=false']],
    // A `:` after the `=` is the value's (a YAML flow mapping), not a name.
    ['models.sonnet.limits={rpm: 1k, itpm: 2M}', 'models.sonnet.limits={rpm: 1k, itpm: 2M}', ['models.sonnet.limits={rpm: 1k, itpm: 2M}']],
    // `;` inside brackets or quotes belongs to the value.
    ['odd: name="a;b"; router.fallback=[haiku; sonnet]', 'odd', ['name="a;b"', 'router.fallback=[haiku; sonnet]']],
  ])('%s', (spec, label, overrides) => {
    expect(parseVariant(spec)).toEqual({ label, overrides, spec });
  });

  it.each([
    [': cache=false', 'the name before `:` is empty'],
    ['cheap:', 'no key=value override'],
    ['cheap: ;', 'no key=value override'],
    ['', 'no key=value override'],
    [`${'n'.repeat(61)}: cache=false`, 'the name is 61 characters long; at most 60'],
  ])('%j is bad input naming --variant', (spec, message) => {
    let e: unknown;
    try {
      parseVariant(spec);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(HeadroomError);
    expect((e as HeadroomError).exitCode).toBe(2);
    expect((e as HeadroomError).message.startsWith(`--variant ${JSON.stringify(spec)}: ${message}`)).toBe(true);
    expect((e as HeadroomError).hint).toContain("--variant 'NAME: key=value; key=value'");
  });
});
