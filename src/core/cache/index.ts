/** Exact-match response cache: the contract, the key function and the in-memory implementation. */
export type { CacheConfig, CacheStats, ResponseCache } from './types.js';
export { checkSize } from './types.js';
export { cacheKey, fnv1a64, normalisePrompt } from './cache-key.js';
export { MemoryResponseCache } from './memory-cache.js';
