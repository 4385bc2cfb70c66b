/**
 * Cache keys for exact-match response caching: FNV-1a 64-bit over the UTF-8 bytes of
 * `model + "\0" + normalisePrompt(prompt)`, as 16 lower-case hex digits.
 *
 * Why these choices:
 * - **Normalisation** only trims and collapses whitespace runs (JS `\s`) to one space: those
 *   differences come from templates and copy-paste, not from what the user asked. Case and Unicode
 *   form are kept, because "US" and "us", or two spellings of a name, can change the answer, and a
 *   wrong hit costs more than a miss.
 * - **FNV-1a 64** is a published standard (any language reproduces the key from the same text, e.g.
 *   a dashboard or a cache warmer), is fast in pure JS, and needs no `node:crypto` (src/core does no
 *   I/O and imports no Node modules). It is not collision-resistant against an adversary; 64 bits
 *   make an accidental collision unlikely (≈ n²/2⁶⁵: 1 in 10⁷ at 10⁶ distinct prompts).
 * - Hashing **UTF-8** rather than UTF-16 code units keeps the standard's test vectors valid for every
 *   string, not only ASCII. Lone surrogates hash as U+FFFD, as `TextEncoder` would encode them.
 *
 * Performance: `cacheKey` normalises while it hashes (no intermediate string), and the 64-bit state
 * is four 16-bit lanes so every product stays a small integer (no BigInt, no float division).
 */

/** Trims and collapses every whitespace run (spaces, tabs, newlines, Unicode spaces) to one space. */
export function normalisePrompt(prompt: string): string {
  return prompt.trim().replace(/\s+/g, ' ');
}

/**
 * The cache key of a (model, prompt) pair: equal to `fnv1a64(model + "\0" + normalisePrompt(prompt))`.
 * Pure and deterministic.
 *
 * @example cacheKey('sonnet', ' Hi\n there ') === cacheKey('sonnet', 'Hi there')
 */
export function cacheKey(model: string, prompt: string): string {
  const h = new Fnv64();
  h.string(model, 0, model.length);
  h.byte(0);
  let pendingSpace = false;
  let emitted = false;
  for (let i = 0; i < prompt.length; i++) {
    const c = prompt.charCodeAt(i);
    if (isSpace(c)) {
      pendingSpace = emitted; // leading whitespace is dropped, trailing never flushed
      continue;
    }
    if (pendingSpace) h.byte(0x20);
    pendingSpace = false;
    emitted = true;
    if (c < 0x80) {
      h.byte(c); // the common case, without the encoder's call
      continue;
    }
    // A surrogate pair must reach the encoder together; neither half is whitespace.
    const low = c >= 0xd800 && c <= 0xdbff && i + 1 < prompt.length ? prompt.charCodeAt(i + 1) : 0;
    const pair = low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
    h.string(prompt, i, i + pair);
    i += pair - 1;
  }
  return h.hex();
}

/** FNV-1a 64 of the UTF-8 encoding of `s`, as 16 hex digits. */
export function fnv1a64(s: string): string {
  const h = new Fnv64();
  h.string(s, 0, s.length);
  return h.hex();
}

/** JS `\s` (WhiteSpace and LineTerminator), which `trim` and the regex above use too. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * FNV-1a 64 state as four 16-bit lanes (h0 lowest). The prime is 2⁴⁰ + 0x1b3, so a multiply is
 * `lane·0x1b3` plus lanes 0–1 shifted up by 40 bits (into lanes 2–3, by 8 bits), then carries.
 */
class Fnv64 {
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  byte(b: number): void {
    const x = this.h0 ^ b;
    const t0 = x * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + (x << 8) + (t1 >>> 16);
    this.h3 = (this.h3 * 0x1b3 + (this.h1 << 8) + (t2 >>> 16)) & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h0 = t0 & 0xffff;
  }

  /** Feeds `s[from, to)` as UTF-8; a high surrogate at `to - 1` without its pair counts as lone. */
  string(s: string, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        this.byte(c);
      } else if (c < 0x800) {
        this.byte(0xc0 | (c >> 6));
        this.byte(0x80 | (c & 0x3f));
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < to ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i++;
            this.byte(0xf0 | (c >> 18));
            this.byte(0x80 | ((c >> 12) & 0x3f));
            this.byte(0x80 | ((c >> 6) & 0x3f));
            this.byte(0x80 | (c & 0x3f));
            continue;
          }
          c = 0xfffd; // lone surrogate
        }
        this.byte(0xe0 | (c >> 12));
        this.byte(0x80 | ((c >> 6) & 0x3f));
        this.byte(0x80 | (c & 0x3f));
      }
    }
  }

  hex(): string {
    return hex4(this.h3) + hex4(this.h2) + hex4(this.h1) + hex4(this.h0);
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
