/**
 * `anthropic-ratelimit-*` and `retry-after` headers from the provider model's bucket levels.
 *
 * Units, deliberately:
 * - `*-limit` and `*-remaining` are per *scenario* minute: the provider model runs on the mock's scenario
 *   clock, so with --time-scale K a 60 RPM limit admits 60 × K requests per real minute. The headers state
 *   the limit the scenario configured, which is what the runtime's own limiter is configured with too.
 * - every time on the wire is real time, as for any HTTP client: `*-reset` is the RFC 3339 wall-clock time
 *   when the bucket is full again, and the provider model's retry-after (whole scenario seconds) is divided
 *   by K. The runtime's adapter multiplies wire times by K to get back to scenario time.
 * - `retry-after-ms` carries that wait exactly (the SDK honours it before `retry-after`); `retry-after`
 *   rounds it up to whole seconds, since at K > 1 the wait is usually a fraction of a second. Anthropic
 *   itself sends only `retry-after`; at K = 1 the two agree.
 *
 * Token `remaining` is rounded down to thousands, as Anthropic does. `tokens-*` reports whichever of the
 * input and output buckets is more restrictive now (Anthropic: "the most restrictive limit in effect" (?)).
 */
import type { Binding, BucketLevel } from '../../core/limiter/types.js';

const MINUTE_MS = 60_000;

const NAMES: Record<Binding, string> = { rpm: 'requests', itpm: 'input-tokens', otpm: 'output-tokens' };

/** RFC 3339 in whole seconds, the way Anthropic writes it (`2026-11-02T14:05:07Z`). */
function rfc3339(atMs: number): string {
  return new Date(Math.ceil(atMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function remaining(kind: Binding, level: number): number {
  const n = Math.max(0, Math.floor(level));
  return kind === 'rpm' ? n : Math.floor(n / 1000) * 1000;
}

/** Real ms until a bucket refills completely: it refills `capacity` per scenario minute. */
function msUntilFull(b: BucketLevel, timeScale: number): number {
  const missing = Math.max(0, b.capacity - b.level);
  return (missing / b.capacity) * (MINUTE_MS / timeScale);
}

/**
 * Headers for the current levels of one model. `wallNowMs` is Date.now() (for reset times); unlimited
 * dimensions get no headers, as there is nothing to report.
 */
export function rateLimitHeaders(levels: Partial<Record<Binding, BucketLevel>>, timeScale: number, wallNowMs: number): Record<string, string> {
  const h: Record<string, string> = {};
  const put = (name: string, kind: Binding, b: BucketLevel) => {
    h[`anthropic-ratelimit-${name}-limit`] = String(b.capacity);
    h[`anthropic-ratelimit-${name}-remaining`] = String(remaining(kind, b.level));
    h[`anthropic-ratelimit-${name}-reset`] = rfc3339(wallNowMs + msUntilFull(b, timeScale));
  };
  for (const kind of ['rpm', 'itpm', 'otpm'] as const) {
    const b = levels[kind];
    if (b) put(NAMES[kind], kind, b);
  }
  const tokens = [levels.itpm, levels.otpm].filter((b): b is BucketLevel => b !== undefined);
  const tightest = tokens.sort((a, b) => a.level / a.capacity - b.level / b.capacity)[0];
  if (tightest) put('tokens', tightest === levels.itpm ? 'itpm' : 'otpm', tightest);
  return h;
}

/** `retry-after-ms` and `retry-after` in real time (see the module comment), when the provider model gave a wait. */
export function retryAfterHeaders(retryAfterMs: number | undefined, timeScale: number): Record<string, string> {
  if (retryAfterMs === undefined) return {};
  const realMs = retryAfterMs / timeScale;
  return { 'retry-after-ms': String(realMs), 'retry-after': String(Math.max(1, Math.ceil(realMs / 1000))) };
}
