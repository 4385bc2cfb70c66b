/**
 * A hash table from 53-bit integer keys to expiry times, for caches whose entries simply lapse (the
 * provider prompt-cache model). Open addressing with linear probing over one Float64Array holding
 * each slot's key and expiry side by side (one cache line serves both: lookups land on random slots
 * of a table too big for the CPU cache, so the miss per probe is most of the cost).
 *
 * Why not a Map: the keys are not small integers, so a Map boxes the key on every get and set (about
 * 40 ns each, and a prompt-cache call makes up to six); here a lookup is a few array reads. Why no
 * delete: an entry whose time has passed reads as absent, and an insert takes over the first lapsed
 * slot on its probe path, so slots are never emptied and probe chains never break. The table is
 * rebuilt with only the live entries when half its slots are taken (amortised O(1) per insert).
 */

const EMPTY = -1;
const MIN_CAPACITY = 1 << 12;

export class ExpiryTable {
  /** Slot i: key at 2i (EMPTY if never used), expiry at 2i + 1. */
  private slots = ExpiryTable.emptySlots(MIN_CAPACITY);
  private shift = 32 - Math.log2(MIN_CAPACITY);
  private used = 0;

  /** Slots taken (live entries and lapsed ones not yet taken over). */
  get size(): number {
    return this.used;
  }

  /** Whether `key` holds an expiry later than `nowMs`. */
  isLive(key: number, nowMs: number): boolean {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = this.slot(key); ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === key) return slots[2 * i + 1]! > nowMs;
      if (k === EMPTY) return false;
    }
  }

  /** Sets the expiry of `key` (an integer 0 ≤ key < 2^53), taking over a lapsed slot if the key is new. */
  set(key: number, expiresAtMs: number, nowMs: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let lapsed = -1;
    let i = this.slot(key);
    for (; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === key) {
        slots[2 * i + 1] = expiresAtMs;
        return;
      }
      if (k === EMPTY) break;
      if (lapsed < 0 && slots[2 * i + 1]! <= nowMs) lapsed = i;
    }
    if (lapsed >= 0) i = lapsed;
    else if (++this.used * 2 > mask + 1) {
      this.rebuild(nowMs);
      this.set(key, expiresAtMs, nowMs);
      return;
    }
    slots[2 * i] = key;
    slots[2 * i + 1] = expiresAtMs;
  }

  private static emptySlots(capacity: number): Float64Array {
    const slots = new Float64Array(2 * capacity);
    for (let i = 0; i < slots.length; i += 2) slots[i] = EMPTY;
    return slots;
  }

  /** Fibonacci hashing of both halves of the key onto the table's bits. */
  private slot(key: number): number {
    const high = (key / 2097152) >>> 0; // key = high × 2^21 + low, high < 2^32
    const low = key - high * 2097152;
    return Math.imul(high ^ low, 0x9e3779b1) >>> this.shift;
  }

  private rebuild(nowMs: number): void {
    const old = this.slots;
    let live = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY && old[i + 1]! > nowMs) live++;
    let capacity = MIN_CAPACITY;
    while (capacity < live * 8) capacity *= 2; // ≥ 3/8 of the slots free for new keys before the next rebuild
    this.slots = ExpiryTable.emptySlots(capacity);
    this.shift = 32 - Math.log2(capacity);
    this.used = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY && old[i + 1]! > nowMs) this.set(old[i]!, old[i + 1]!, nowMs);
  }
}
