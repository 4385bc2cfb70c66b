/**
 * A Map keyed by model name that remembers the last key it was asked for. The pipeline looks up the
 * same model in a dozen components per LLM call (limiter, its line, prompt caches, provider model,
 * pricing, cost counters, breakers), nearly always the model of the previous call: a hashed lookup
 * each time was ≈ 3 % of a simulated day's instructions; comparing with the last key (one pointer
 * compare for the scenario's own names) is nearly free. Misses are remembered too (an absent key
 * answers undefined until it is set).
 *
 * The remembered key starts as '' (what the map holds for it is remembered with it), not undefined: a
 * compare of two strings stays a pointer compare, where string-or-undefined took a generic builtin call.
 */
export class ModelMap<V> implements Iterable<[string, V]> {
  private readonly map = new Map<string, V>();
  private lastKey = '';
  private lastValue: V | undefined = undefined;

  constructor(entries?: Iterable<readonly [string, V]>) {
    if (entries) for (const [k, v] of entries) this.map.set(k, v);
    this.lastValue = this.map.get('');
  }

  get(key: string): V | undefined {
    if (key === this.lastKey) return this.lastValue;
    const v = this.map.get(key);
    this.lastKey = key;
    this.lastValue = v;
    return v;
  }

  set(key: string, value: V): this {
    this.map.set(key, value);
    if (key === this.lastKey) this.lastValue = value;
    return this;
  }

  delete(key: string): boolean {
    if (key === this.lastKey) this.lastValue = undefined;
    return this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}
