/**
 * Synthetic text with an exact token count, so a live replay sends what the simulator counted.
 *
 * Convention (shared by the load tester, the runtime and the mock provider): one whitespace-separated
 * word is one token. A text for `key` starts with the key itself (so different segments have
 * different texts and a prompt cache can tell them apart) followed by filler words. Real tokenisers
 * differ, but for replaying a workload the count is what matters, and it is exact here.
 */

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'];

/** A text of exactly `tokens` words (at least 1) that begins with `key` (spaces in the key become `_`). */
export function textFor(key: string, tokens: number): string {
  const n = Math.max(1, Math.floor(tokens));
  const parts = new Array<string>(n);
  parts[0] = key.replace(/\s+/g, '_') || 'x';
  for (let i = 1; i < n; i++) parts[i] = WORDS[i % WORDS.length]!;
  return parts.join(' ');
}

/** Tokens of a text under the one-word-one-token convention. */
export function countTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}
