/**
 * Two clients of the test Redis (127.0.0.1:6379) — one per simulated store instance — connected for
 * the file's tests and closed after; and key prefixes unique to a test, since the Redis is shared
 * (tests delete their own keys and never FLUSH). A missing Redis fails the file loudly at connect.
 */
import { randomUUID } from 'node:crypto';
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
