/**
 * Two clients of the test Redis (127.0.0.1:6379) — one per simulated store instance — connected for
 * the file's tests and closed after; and key prefixes unique to a test, since the Redis is shared
 * (tests delete their own keys and never FLUSH). A missing Redis fails the file loudly at connect.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

export function redisPair(): { redis: Redis; other: Redis } {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  const other = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  beforeAll(async () => {
    await Promise.all([redis.connect(), other.connect()]);
  });
  afterAll(async () => {
    await Promise.all([redis.quit(), other.quit()]);
  });
  return { redis, other };
}

export const testPrefix = () => `test-${randomUUID().slice(0, 8)}`;

/** Every key matching `pattern`, by SCAN to the end (a single SCAN page may miss keys; KEYS would block). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/** Deletes every key matching `pattern` — never FLUSH: other suites share this Redis. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  const keys = await scanKeys(redis, pattern);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
}

/** Clients of a dead Redis: a closed port, no retries, no offline queue (every command fails at once). */
export const deadRedis = () => new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });

/** Runs `fn` with a client of a server that accepts connections and never answers (a stalled Redis), then tears both down. */
export async function withSilentRedis(fn: (client: Redis) => Promise<void>): Promise<void> {
  const sockets: Socket[] = [];
  const server = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new Redis({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, maxRetriesPerRequest: 0 });
  try {
    await fn(client);
  } finally {
    client.disconnect();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
}
