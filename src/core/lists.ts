/**
 * Small lists on hot paths. A turn records one route and one charge per LLM call, usually one to
 * three; `[].push` would give each list a backing store of 17 slots on its first push (V8 grows by
 * half plus 16), most of a simulated turn's garbage. Lists here start as one shared frozen empty and
 * grow by exact-size copies, which for one to three entries is both smaller and faster.
 */

const EMPTY: readonly never[] = Object.freeze([]);

/** The shared empty list: never mutated (frozen), replaced by `appended`'s result. */
export function emptyList<T>(): readonly T[] {
  return EMPTY;
}

/** `list` with `x` at the end, as a new exact-size array (the input is not changed). */
export function appended<T>(list: readonly T[], x: T): T[] {
  switch (list.length) {
    case 0:
      return [x];
    case 1:
      return [list[0]!, x];
    case 2:
      return [list[0]!, list[1]!, x];
    default: {
      const out = list.slice();
      out.push(x);
      return out;
    }
  }
}

const NO_COUNTS: Readonly<Record<string, number>> = Object.freeze({});

/** The shared empty count map: never mutated (frozen), replaced by `counted`'s result. */
export function noCounts(): Readonly<Partial<Record<string, number>>> {
  return NO_COUNTS;
}

/** `counts` with `key` counted once more; the shared empty is replaced by a new map, others are updated in place. */
export function counted(counts: Readonly<Partial<Record<string, number>>>, key: string): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = counts === NO_COUNTS ? {} : (counts as Partial<Record<string, number>>);
  out[key] = (out[key] ?? 0) + 1;
  return out;
}
