import { describe, expect, it } from 'vitest';
import { MemoryResponseCache, cacheKey, fnv1a64, normalisePrompt } from '../../../src/core/cache/index.js';
import { cacheConformance } from '../../conformance/cache.case.js';
import type { Answer } from '../../conformance/cache.case.js';
import { virtualClock } from '../../conformance/queue.case.js';

cacheConformance('memory', (config) => ({ store: new MemoryResponseCache<Answer>(config), clock: virtualClock(), cleanup: () => {} }));

/** Reference FNV-1a 64 with BigInt over TextEncoder's UTF-8: slow, obviously right. */
function referenceFnv(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('MemoryResponseCache', () => {
  it('answers synchronously and expires at exactly ttlMs (as Redis PX does)', () => {
    const c = new MemoryResponseCache<string>({ ttlMs: 100, maxEntries: 10, maxBytes: 100 });
    c.set('k', 'v', 1, 0);
    expect(c.get('k', 99)).toBe('v');
    expect(c.get('k', 100)).toBeUndefined();
  });

  it('rejects impossible configs', () => {
    expect(() => new MemoryResponseCache({ ttlMs: 0, maxEntries: 1, maxBytes: 1 })).toThrow(RangeError);
    expect(() => new MemoryResponseCache({ ttlMs: 1, maxEntries: 0, maxBytes: 1 })).toThrow(RangeError);
  });
});

describe('cacheKey', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('hashes the UTF-8 bytes, surrogate pairs and lone surrogates included', () => {
    const samples = ['é', 'naïve café', '日本語のプロンプト', '😀 emoji 👩‍👩‍👧', '\ud800x', 'x\udc00', '\ud83d', 'a'.repeat(1000) + '€'];
    for (const s of samples) expect(fnv1a64(s), s).toBe(referenceFnv(s));
    // Every code unit value once, in a few long strings: covers each encoding branch boundary.
    for (let start = 0; start < 0x10000; start += 4096) {
      const s = String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => start + i));
      expect(fnv1a64(s)).toBe(referenceFnv(s));
    }
  });

  it('ignores leading, trailing and repeated whitespace but keeps case', () => {
    expect(normalisePrompt('  What is\tmy\n\n  refund   status? ')).toBe('What is my refund status?');
    expect(cacheKey('sonnet', ' Hi\n there ')).toBe(cacheKey('sonnet', 'Hi there'));
    expect(cacheKey('sonnet', 'US tax')).not.toBe(cacheKey('sonnet', 'us tax'));
  });

  it('normalises while hashing exactly as normalisePrompt does, Unicode spaces and surrogates included', () => {
    const alphabet = ['a', 'Z', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u200b', 'é', '€', '😀', '\ud83d', '\ude00', '\u0085'];
    let x = 42;
    for (let n = 0; n < 2000; n++) {
      let p = '';
      const len = n % 13;
      for (let i = 0; i < len; i++) p += alphabet[(x = (Math.imul(x, 1103515245) + 12345) >>> 0) % alphabet.length];
      expect(cacheKey('m', p), JSON.stringify(p)).toBe(fnv1a64('m\u0000' + normalisePrompt(p)));
    }
  });

  it('separates models and is 16 hex digits', () => {
    expect(cacheKey('haiku', 'hello')).not.toBe(cacheKey('sonnet', 'hello'));
    expect(cacheKey('ab', 'c')).not.toBe(cacheKey('a', 'bc')); // the NUL separator keeps the pair unambiguous
    expect(cacheKey('haiku', 'hello')).toMatch(/^[0-9a-f]{16}$/);
    expect(cacheKey('haiku', 'hello')).toBe(fnv1a64('haiku\u0000hello'));
  });
});
