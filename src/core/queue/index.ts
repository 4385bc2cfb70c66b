/** Bounded priority task queue: the contract, its class ordering, and the in-memory implementation. */
export type { DeadLetter, OrderedClass, PushResult, QueueClassConfig, QueueConfig, QueueDepth, QueueStats, Task, TaskQueue } from './types.js';
export { queueClassOrder, RECLAIM_LIMIT } from './types.js';
export { MemoryTaskQueue } from './memory-queue.js';
