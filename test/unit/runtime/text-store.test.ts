import { describe, expect, it } from 'vitest';
import { MemoryTextStore, sessionOf } from '../../../src/runtime/providers/text-store.js';

describe('sessionOf', () => {
  it('finds the session of turn and summary segment keys', () => {
    expect(sessionOf('s12/t3/c2')).toBe('s12');
    expect(sessionOf('s12/t3/u')).toBe('s12');
    expect(sessionOf('run-7/s12/t10/r1')).toBe('run-7/s12');
    expect(sessionOf('s12/summary2')).toBe('s12');
    expect(sessionOf('system')).toBeUndefined();
    expect(sessionOf('s12/other')).toBeUndefined();
  });
});

describe('MemoryTextStore', () => {
  it('gets what was set, and overwrites', () => {
    const s = new MemoryTextStore();
    expect(s.get('s1/t1/c1')).toBeUndefined();
    s.set('s1/t1/c1', 'one');
    s.set('s1/t1/c1', 'two');
    expect(s.get('s1/t1/c1')).toBe('two');
    expect(s.size).toBe(1);
    expect(s.totalChars).toBe(3);
  });

  it('evicts the least recently used text past the entry bound', () => {
    const s = new MemoryTextStore({ maxEntries: 2 });
    s.set('s1/t1/c1', 'a');
    s.set('s1/t1/c2', 'b');
    s.get('s1/t1/c1'); // c2 is now the least recently used
    s.set('s1/t1/c3', 'c');
    expect(s.get('s1/t1/c2')).toBeUndefined();
    expect(s.get('s1/t1/c1')).toBe('a');
    expect(s.get('s1/t1/c3')).toBe('c');
  });

  it('evicts past the character bound, and does not keep a text larger than the bound', () => {
    const s = new MemoryTextStore({ maxChars: 10 });
    s.set('s1/t1/c1', '12345');
    s.set('s1/t1/c2', '12345');
    s.set('s1/t1/c3', '123');
    expect(s.get('s1/t1/c1')).toBeUndefined();
    expect(s.totalChars).toBe(8);
    s.set('s1/t1/c4', 'x'.repeat(11));
    expect(s.get('s1/t1/c4')).toBeUndefined();
    expect(s.totalChars).toBe(8);
  });

  it('deletes every text of a session and nothing else', () => {
    const s = new MemoryTextStore();
    s.set('s1/t1/c1', 'a');
    s.set('s1/t2/c1', 'b');
    s.set('s1/summary1', 'c');
    s.set('s10/t1/c1', 'd');
    s.deleteSession('s1');
    expect(s.size).toBe(1);
    expect(s.get('s10/t1/c1')).toBe('d');
    expect(s.totalChars).toBe(1);
    s.deleteSession('nobody');
    expect(s.size).toBe(1);
  });

  it('rejects non-positive bounds', () => {
    expect(() => new MemoryTextStore({ maxChars: 0 })).toThrow();
    expect(() => new MemoryTextStore({ maxEntries: -1 })).toThrow();
  });
});
