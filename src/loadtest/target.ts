/** Load tests target loopback unless the user says otherwise: a load test is not to be aimed by accident. */
import { ErrorCode, HeadroomError } from '../errors.js';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Validates a target URL; throws a HeadroomError for a bad URL or a non-loopback host without permission. */
export function checkTarget(target: string, allowRemote: boolean): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new HeadroomError(ErrorCode.badArgument, `--target: not a URL: ${JSON.stringify(target)}`, { hint: 'e.g. --target http://127.0.0.1:8080' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HeadroomError(ErrorCode.badArgument, `--target: expected http or https, found ${url.protocol}`);
  if (!allowRemote && !isLoopback(url.hostname))
    throw new HeadroomError(ErrorCode.badArgument, `--target ${url.hostname} is not a loopback address; refusing to load-test it`, { hint: 'pass --allow-remote to load-test a remote system you are responsible for' });
  return url;
}

/**
 * What the target (a Headroom runtime) has served before this run, from `GET /v1/stats`: a response cache
 * or cost counters that are not empty mean earlier traffic, whose cached answers (and a provider's prompt
 * cache) change the cache hits, calls, tokens and cost of a replay; its sessions do not, since each replay
 * has session ids of its own (replay.ts). Undefined when the target is fresh or does not say
 * (not a Headroom runtime, a key required, unreachable: the replay will tell).
 */
export async function servedBefore(origin: string, apiKey?: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${origin}/v1/stats`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const s = (await res.json()) as { cache?: { entries?: number }; cost?: { byModel?: Record<string, { requests?: number }> } };
    const calls = Object.values(s.cost?.byModel ?? {}).reduce((a, m) => a + (m.requests ?? 0), 0);
    const entries = s.cache?.entries ?? 0;
    return calls > 0 || entries > 0 ? `${calls.toLocaleString('en-US')} provider calls, ${entries.toLocaleString('en-US')} cached answers` : undefined;
  } catch {
    return undefined;
  }
}
