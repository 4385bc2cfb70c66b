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

/**
 * A numeric option: declared as a string (like `--seed`) and read with `numberArg` in the handler, because
 * yargs' `number` type turns `abc` into NaN, which then read as "no limit" (`--client-rpm abc`), "every
 * session" (`--sessions abc`) or a runtime of "NaN slots" (`--workers abc`), and a message can no longer
 * quote what was typed. (Untyped, yargs would read `0x10` as 16 and a bare `--port` as its default.)
 */
export const numberOption = (describe: string, defaultValue?: number) => ({ type: 'string', describe, ...(defaultValue !== undefined ? { default: defaultValue } : {}) }) as const;

/**
 * Refuses an option given more than once where it takes one value (`--port 1 --port 2`, `--scenario a
 * --scenario b`): yargs collects the values in a list, which read as a path "a,b" or a port [1, 2]
 * (an internal error). `arrays`: the options that are lists (`--set`, `--header`…), in kebab case.
 */
export function checkSingleValues(argv: Record<string, unknown>, arrays: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(argv)) {
    // yargs keeps each option under its kebab-case name and a camelCase copy, and aliases apart: check each once.
    if (key === '_' || key === '$0' || key.length === 1 || /[A-Z]/.test(key) || arrays.has(key) || !Array.isArray(value)) continue;
    throw new HeadroomError(ErrorCode.badArgument, `--${key}: expected one value, found ${JSON.stringify(value.map(String).join(', '))} (given more than once)`, { hint: 'give it once' });
  }
}

/**
 * Refuses a switch (a yargs `boolean` option: `--json`, `--allow-remote`…) given a value other than `true` or
 * `false`. yargs reads `--json=maybe`, `--json=1`, `--json=TRUE` and `--json=` as false without a word (a run
 * that printed the summary instead of JSON, or refused a remote target it was allowed to load), and
 * `--no-json=false` as an unknown option "no-json, noJson". Run on yargs' `argv` before it validates:
 * a switch is whatever yargs parsed as a boolean, so every switch of every command is covered, with no
 * list of them to keep in step. `args`: the command line as typed.
 */
export function checkSwitchValues(args: readonly string[], argv: Record<string, unknown>): void {
  for (const arg of args) {
    if (arg === '--') return; // what follows is positional
    const m = /^--([^=]+)=([\s\S]*)$/.exec(arg);
    if (m === null) continue;
    const name = kebabCase(m[1]!);
    const value = m[2]!;
    if (typeof argv[name] === 'boolean' && value !== 'true' && value !== 'false') throw badSwitch(name, value);
    if (name.startsWith('no-') && typeof argv[name.slice(3)] === 'boolean')
      throw new HeadroomError(ErrorCode.badArgument, `--${name}: takes no value, found ${JSON.stringify(value)}`, { hint: switchHint(name.slice(3)) });
  }
}

/**
 * For yargs' "Unknown argument: maybe": the switch that `maybe` followed (`--json maybe`), when it did. yargs
 * takes only `true` or `false` as the word after a switch, and any other as a stray positional; it is
 * named so only once yargs has refused it, since a word after a switch may be the command's own
 * positional (`scenario check --json a.yaml`). `argv`: as parsed; `unknown`: the words yargs refused.
 */
export function switchGivenWord(args: readonly string[], argv: Record<string, unknown>, unknown: readonly string[]): HeadroomError | undefined {
  for (let i = 0; i + 1 < args.length && args[i] !== '--'; i++) {
    const m = /^--([^=]+)$/.exec(args[i]!);
    if (m !== null && typeof argv[kebabCase(m[1]!)] === 'boolean' && unknown.includes(args[i + 1]!)) return badSwitch(kebabCase(m[1]!), args[i + 1]!);
  }
  return undefined;
}

function badSwitch(name: string, value: string): HeadroomError {
  return new HeadroomError(ErrorCode.badArgument, `--${name}: expected true or false (or --${name} alone), found ${JSON.stringify(value)}`, { hint: switchHint(name) });
}

const switchHint = (name: string) => `--${name} is a switch: --${name} turns it on, --no-${name} (or --${name}=false) turns it off`;

/** `allowRemote` → `allow-remote`: yargs takes either spelling and keeps the value under both. */
const kebabCase = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The number in a `numberOption` (a finite decimal: `8080`, `1.5`, `-1`, `1e3`), or HEADROOM_ERR_BAD_ARGUMENT
 * (exit 2) naming the flag and quoting what was given. Undefined stays undefined (the flag was not given).
 * Ranges are the command's to check (`rangeArg`), beside the rest of its input.
 */
export function numberArg(value: unknown, flag: string): number;
export function numberArg(value: unknown, flag: string, optional: 'optional'): number | undefined;
export function numberArg(value: unknown, flag: string, _optional?: 'optional'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) throw new HeadroomError(ErrorCode.badArgument, `${flag}: expected one value, found ${JSON.stringify(value.map(String).join(', '))} (given more than once)`);
  const text = String(value).trim();
  if (!NUMBER_RE.test(text)) throw new HeadroomError(ErrorCode.badArgument, `${flag}: expected a number, found ${JSON.stringify(String(value))}`);
  return Number(text);
}

/** Checks a numeric flag's range: whole numbers from `min` to `max`, or (without `whole`) numbers above `above`. */
export function rangeArg(value: number, flag: string, r: { whole: true; min: number; max: number } | { above: number; max?: number }): number {
  const ok = 'whole' in r ? Number.isInteger(value) && value >= r.min && value <= r.max : value > r.above && value <= (r.max ?? Infinity);
  if (ok) return value;
  const expected = 'whole' in r ? `a whole number from ${r.min} to ${r.max}` : r.above === 0 && r.max === undefined ? 'a positive number' : `a number above ${r.above}${r.max !== undefined ? ` and at most ${r.max}` : ''}`;
  throw new HeadroomError(ErrorCode.badArgument, `${flag}: expected ${expected}, found ${value}`);
}

/**
 * The longest wall-time duration a flag takes (24 days): Node's timers hold at most 2³¹−1 ms (24.8 days)
 * and fire a longer one after 1 ms, with only a TimeoutOverflowWarning — `--drain-timeout 30d` cut the
 * drain off at once.
 */
export const MAX_TIMER_MS = 24 * 86_400_000;

/**
 * A duration option (`--timeout 30s`, or a bare `0`, as in a scenario) in ms. A value that is not a duration,
 * is negative, is 0 where `positive` is asked for, or is above `maxMs` throws HEADROOM_ERR_BAD_ARGUMENT
 * (exit 2) naming the flag, quoting the value and saying what the flag takes.
 */
export function durationArg(value: string, flag: string, range: { positive?: boolean; maxMs?: number } = {}): number {
  const p = parseDuration(value.trim() === '0' ? 0 : value);
  const bad = (expected: string) => new HeadroomError(ErrorCode.badArgument, `${flag}: expected ${expected}, found ${JSON.stringify(value)}`);
  const atLeast = range.positive ? 'a duration above 0, like 30s' : 'a duration of 0 or more, like 30s';
  // `-1s`: say what is wrong with it (the sign), not only that it is no duration.
  if (!p.ok) throw bad(/^\s*-/.test(value) && parseDuration(value.trim().slice(1)).ok ? atLeast : p.expected);
  if (range.positive && p.value <= 0) throw bad(atLeast);
  if (range.maxMs !== undefined && p.value > range.maxMs) throw bad(`a duration of at most ${formatMs(range.maxMs)}`);
  return p.value;
}

/** `24d`, `10m`, `1s`: a bound in the largest unit that divides it. */
function formatMs(ms: number): string {
  const unit = (['d', 'h', 'm', 's'] as const).find((u) => ms % MS_PER_UNIT[u] === 0);
  return unit ? `${ms / MS_PER_UNIT[unit]}${unit}` : `${ms}ms`;
}
const MS_PER_UNIT = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/**
 * `--duration D` as the scenario override it stands for (`['duration=D']`, `[]` when not given), checked as
 * an argument first: a bad value read as a scenario problem placed in the file, or, given twice, as a list.
 */
export function durationOverride(value: string | undefined): string[] {
  if (value === undefined) return [];
  durationArg(value, '--duration', { positive: true });
  return [`duration=${value}`];
}

/**
 * `--drain-timeout -1s` read as `--drain-timeout=-1s`. yargs takes a word that starts with `-` after an
 * option as an option of its own unless it is a plain negative number: `-1s` became the short options
 * `-1` and `-s` ("Unknown arguments: 1, s"), the flag left empty. No option of ours is named with a digit,
 * so dashes then a digit or a point, after an option, is that option's value; joined to it, it reaches the
 * option's own check, which names the option and says what it takes (after a switch: checkSwitchValues).
 * Words after `--` are positional and stay as they are.
 */
export function joinDashedValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (next !== undefined && /^--?[A-Za-z][\w-]*$/.test(arg) && /^-+[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** System errors of `listen` that come from the address given (--host, --port): bad input, not a bug. */
const LISTEN_CODES = ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME'];

/**
 * Runs `listen`; an address that cannot be listened on (in use, privileged, not this machine's, a host that
 * does not resolve) becomes HEADROOM_ERR_BAD_ARGUMENT (exit 2) naming it. Anything else is rethrown.
 */
export async function listenOn<T>(host: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && LISTEN_CODES.includes(code))
      throw new HeadroomError(ErrorCode.badArgument, `cannot listen on ${host}:${port} (${code})`, { hint: 'choose another --port (0 picks a free one) or --host', cause: e });
    throw e;
  }
}

/** An http(s) URL option (`--provider-url`), or HEADROOM_ERR_BAD_ARGUMENT naming the flag. */
export function httpUrlArg(value: unknown, flag: string): string {
  const text = Array.isArray(value) ? undefined : String(value);
  let ok = false;
  try {
    ok = text !== undefined && ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    // not a URL
  }
  if (!ok) throw new HeadroomError(ErrorCode.badArgument, `${flag}: expected an http or https URL, found ${JSON.stringify(Array.isArray(value) ? value.map(String).join(', ') : text)}${Array.isArray(value) ? ' (given more than once)' : ''}`, { hint: 'e.g. http://127.0.0.1:4010 for a local mock provider' });
  return text!;
}
