/** Cost counters: totals of usage, requests and nano-dollars per model, and the in-memory implementation. */
export type { CostCounters, CostTotals, ModelTotals } from './types.js';
export { USAGE_FIELDS, checkAdd } from './types.js';
export { MemoryCostCounters } from './memory-cost-counters.js';
