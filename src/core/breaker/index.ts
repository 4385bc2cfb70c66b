export { BUCKETS, BreakerSet, CircuitBreaker } from './breaker.js';
export type { BreakerConfig, BreakerListener, BreakerState, BreakerTransition } from './breaker.js';
