export { Router, STARTS_COOLDOWN, splitBucket } from './router.js';
export type { RouteDecision, RouteFeatures, RouterConfig } from './router.js';
