/** Options several commands share, checked as strictly as the scenario keys they stand in for. */
import { ErrorCode, HeadroomError } from '../errors.js';
import { Seed } from '../scenario/schema.js';
import { parseDuration } from '../scenario/units.js';

const SEED_RANGE = `a whole number from 0 to ${2 ** 32 - 1}`;

/**
 * `--seed N`: the scenario's `seed` key, for one run. Declared as a string and read with `seedArg` in
 * the command's handler, because yargs' `number` type lets `abc` through as NaN (a report with
 * `"seed": null`) and `1.5` or `-1` as they are. Not a yargs `coerce`: yargs re-throws what a coerce
 * throws as its own error, message only, which would lose the error code, the hint and exit code 2.
 */
export const seedOption = (describe: string) => ({ type: 'string', describe }) as const;

/** `{ seed }` from the parsed `--seed`, `{}` when it was not given; a bad value throws HEADROOM_ERR_BAD_ARGUMENT (exit 2). */
export function seedArg(value: unknown): { seed: number } | { seed?: never } {
  return value === undefined ? {} : { seed: parseSeed(value) };
}

/** The seed in `value` (what yargs read after `--seed`), or a HeadroomError naming the accepted range. */
export function parseSeed(value: unknown): number {
  if (Array.isArray(value)) throw badSeed(value.map(String).join(', '), 'given more than once');
  const text = String(value);
  // Digits only: Number() would also take '', ' 7', '1e3' and '0x10'.
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Seed.safeParse(n).success) throw badSeed(text);
  return n;
}

function badSeed(found: string, why?: string): HeadroomError {
  return new HeadroomError(ErrorCode.badArgument, `--seed: expected ${SEED_RANGE}, found ${JSON.stringify(found)}${why ? ` (${why})` : ''}`, {
    hint: "the scenario's `seed` key takes the same values; leave --seed out to use it",
  });
}

/** A duration option (`--timeout 30s`) in ms; a bad value throws HEADROOM_ERR_BAD_ARGUMENT (exit 2) naming the flag. */
export function durationArg(value: string, flag: string): number {
  const p = parseDuration(value);
  if (!p.ok) throw new HeadroomError(ErrorCode.badArgument, `${flag}: expected ${p.expected}, found ${JSON.stringify(value)}`);
  return p.value;
}

/**
 * `--duration D` as the scenario override it stands for (`['duration=D']`, `[]` when not given), checked as
 * an argument first: a bad value read as a scenario problem placed in the file, or, given twice, as a list.
 */
export function durationOverride(value: string | undefined): string[] {
  if (value === undefined) return [];
  durationArg(value, '--duration');
  return [`duration=${value}`];
}
