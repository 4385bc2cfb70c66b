/**
 * Seeded pseudo-random numbers: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean,
 * 128-bit state), seeded through a murmur3-style mixer from a seed and any number of integer or string keys.
 *
 * Why hand-written: we derive independent streams from (seed, stream name, session index, …) so that a
 * session's content depends only on its own keys, never on how many numbers other sessions drew. The
 * common libraries seed from a single 32-bit integer; the derivation is the part we need, and sfc32 is
 * twelve lines. Nothing in Headroom seeds globally or calls Math.random.
 */

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string, for string keys. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const F64 = new Float64Array(1);
const F64_WORDS = new Uint32Array(F64.buffer);

/**
 * A 32-bit value for a number key. Unsigned 32-bit integers (seeds, session ids, fork outputs) stand
 * for themselves; any other number (negative, fractional, ≥ 2^32) is hashed from all 64 bits of its
 * float representation, so that e.g. -1, 0.5 and 2^32 + 1 do not collapse onto the key 0.
 */
function numberKey(k: number): number {
  if (k >>> 0 === k) return k;
  F64[0] = k;
  return mix32(F64_WORDS[0]! ^ mix32(F64_WORDS[1]! ^ 0x5bd1e995));
}

function keyHash(keys: readonly (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    const v = typeof k === 'number' ? numberKey(k) : hashString(k);
    h = mix32((h ^ v) + 0x9e3779b9 + (h << 6) + (h >>> 2));
  }
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Same keys → same stream, byte for byte. */
  constructor(...keys: (number | string)[]) {
    const h = keyHash(keys);
    this.a = mix32(h ^ 0x243f6a88);
    this.b = mix32(h ^ 0x85a308d3);
    this.c = mix32(h ^ 0x13198a2e);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32(); // diffuse the seed through the state
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in (0, 1]: safe for log(). */
  nextOpen(): number {
    return (this.nextUint32() + 1) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An independent stream derived from this generator's next output and the given keys. */
  fork(...keys: (number | string)[]): Rng {
    return new Rng(this.nextUint32(), ...keys);
  }
}
