/**
 * The effects the pipeline yields. Anything that may wait or touch shared state is an effect, so one
 * generator serves two interpreters: the simulator's (synchronous, virtual time) and the runtime's
 * (async, wall clock, Redis-backed stores). Pure decisions (routing, breaker, retry, pricing, context)
 * are plain calls inside the generator.
 */
import type { LimiterDecision } from '../limiter/types.js';
import type { ProviderRequest, ProviderResult } from '../provider-model.js';
import type { LimitCost, Usage } from '../types.js';
import type { SlotResult } from '../workers.js';

/** What the response cache stores for a turn. */
export interface CachedAnswer {
  model: string;
  outputTokens: number;
}

export type Effect =
  | { t: 'sleep'; ms: number }
  | { t: 'slot'; cls: string }
  | { t: 'release' }
  | { t: 'cacheGet'; key: string }
  | { t: 'cacheSet'; key: string; value: CachedAnswer; sizeBytes: number }
  | { t: 'acquire'; model: string; cost: LimitCost }
  | { t: 'settle'; model: string; reserved: LimitCost; actual: LimitCost }
  | { t: 'call'; req: ProviderRequest }
  | { t: 'account'; model: string; usage: Usage; costNanos: number };

/** The value each effect resumes the generator with. */
export interface EffectResults {
  sleep: void;
  slot: SlotResult;
  release: void;
  cacheGet: CachedAnswer | undefined;
  cacheSet: void;
  acquire: LimiterDecision;
  settle: void;
  call: ProviderResult;
  account: void;
}

export type Pipeline<R> = Generator<Effect, R, unknown>;
