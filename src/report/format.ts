/**
 * Number formatting for reports people read: thousands separators, money in dollars (cents when
 * small), percentages with one decimal, durations in the scenario's units. Pure and locale-fixed
 * (en-US), so a report reads the same on every machine and tests can assert on it.
 */
import { formatDuration } from '../scenario/units.js';

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A count: `17,563`. */
export const int = (n: number): string => intFmt.format(Math.round(n));

/** A mean or rate: one decimal below 100 (`16.1`), whole numbers with separators above (`1,365`). */
export const num = (n: number): string => (Math.abs(n) >= 100 ? int(n) : n === Math.round(n) ? String(n) : oneDecimal.format(n));

/** Tokens: exact below a million (`640,512`), then millions or billions with one decimal (`56.1M`, `1.2G`). */
export function tokens(n: number): string {
  if (n < 1e6) return int(n);
  return n < 1e9 ? `${oneDecimal.format(n / 1e6)}M` : `${oneDecimal.format(n / 1e9)}G`;
}

/** A ratio as a percentage with one decimal: `0.5367` → `53.7%`. */
export const pct = (ratio: number): string => `${oneDecimal.format(ratio * 100)}%`;

/**
 * Money: dollars with two decimals from $1 (`$2,795.83`), cents below (`3.7¢`, `0.042¢`), `$0` for
 * nothing. Cents keep small per-conversation figures readable where `$0.04` would lose a digit.
 */
export function usd(n: number): string {
  if (n === 0) return '$0';
  if (Math.abs(n) >= 1) return `$${twoDecimals.format(n)}`;
  const cents = n * 100;
  if (Math.abs(cents) >= 1) return `${oneDecimal.format(cents)}¢`;
  return `${+cents.toPrecision(2)}¢`;
}

/** A duration in ms, in human units (`596ms`, `2.53s`, `1.61m`); sub-ms noise is kept only below 10 ms. */
export const duration = (ms: number): string => formatDuration(ms >= 10 ? Math.round(ms) : ms);

/** A long span of time as hours and minutes (`2h 16m`), shorter ones as `duration` does. */
export function span(ms: number): string {
  if (ms < 3_600_000) return duration(ms);
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}h${minutes % 60 === 0 ? '' : ` ${minutes % 60}m`}`;
}

/**
 * Splits `text` into lines of at most `width` columns at spaces (a longer word gets its own line). A
 * unit written apart from its number ("25 %") stays with it: the answer's figures read "25\n%" otherwise.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean).reduce<string[]>((ws, w) => {
    if (/^%/.test(w) && ws.length > 0) ws[ws.length - 1] += ` ${w}`;
    else ws.push(w);
    return ws;
  }, [])) {
    if (cur && indent.length + cur.length + 1 + word.length > width) {
      lines.push(indent + cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(indent + cur);
  return lines;
}

/** The answer as sentences (it is written as a few; each reads better on its own line). */
export const sentences = (text: string): string[] => text.split(/(?<=[.!?])\s+(?=[A-Z0-9$])/).filter(Boolean);
