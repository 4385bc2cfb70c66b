/**
 * `CostCounters` in Redis, shared by every runtime instance: a hash of integer counters per model,
 * incremented with HINCRBY (exact, and commutative, so concurrent instances never lose an add).
 *
 * Keys (one hash tag, so one MULTI may touch them all, also on Redis Cluster):
 *   {hr:<prefix>:cost}:models     set of model names seen
 *   {hr:<prefix>:cost}:m:<model>  hash requests, inputTokens, …, costNanos
 */
import type { Cluster, Redis } from 'ioredis';
import type { CostCounters, CostTotals, ModelTotals } from '../../core/cost/types.js';
import { USAGE_FIELDS, checkAdd } from '../../core/cost/types.js';
import type { Usage } from '../../core/types.js';
import { StoreCalls } from './store-calls.js';

type Client = Redis | Cluster;

export interface RedisCostCountersOptions {
  /** Namespaces the keys: `{hr:<prefix>:cost}:…`. Instances sharing totals use the same prefix. */
  prefix: string;
  /** A call without an answer in this many ms fails as Redis unavailable (default 1000; 0: no bound). */
  timeoutMs?: number;
}

/**
 * Redis implementation of `CostCounters` (semantics in core/cost/types.ts). One `add` is one
 * MULTI (one round trip, applied all or nothing); `totals` reads the model set, then every hash.
 *
 * @example
 * const counters = new RedisCostCounters(redis, { prefix: 'prod' });
 * await counters.add('sonnet', usage, costNanos);
 */
export class RedisCostCounters implements CostCounters {
  private readonly tag: string;
  private readonly modelsKey: string;
  private readonly calls: StoreCalls;

  constructor(
    private readonly redis: Client,
    opts: RedisCostCountersOptions,
  ) {
    this.tag = `{hr:${opts.prefix}:cost}`;
    this.modelsKey = `${this.tag}:models`;
    this.calls = new StoreCalls('cost counters', opts.timeoutMs);
  }

  async add(model: string, usage: Usage, costNanos: number): Promise<void> {
    checkAdd(model, usage, costNanos);
    const key = this.modelKey(model);
    const tx = this.redis.multi().sadd(this.modelsKey, model).hincrby(key, 'requests', 1).hincrby(key, 'costNanos', costNanos);
    for (const f of USAGE_FIELDS) if (usage[f] !== 0) tx.hincrby(key, f, usage[f]); // skip zero fields: fewer commands
    const res = await this.calls.call('add', tx.exec());
    const failed = res?.find(([err]) => err !== null);
    if (failed) throw failed[0];
  }

  async totals(): Promise<CostTotals> {
    const models = (await this.calls.call('totals', this.redis.smembers(this.modelsKey))).sort(); // sorted: stable output for reports
    const byModel: Record<string, ModelTotals> = {};
    if (models.length === 0) return { byModel };
    const pipe = this.redis.pipeline();
    for (const m of models) pipe.hgetall(this.modelKey(m));
    const res = (await this.calls.call('totals', pipe.exec())) ?? [];
    models.forEach((m, i) => {
      const [err, h] = res[i] as [Error | null, Record<string, string>];
      if (err) throw err;
      const n = (f: string) => Number(h[f] ?? 0);
      byModel[m] = {
        requests: n('requests'),
        inputTokens: n('inputTokens'),
        outputTokens: n('outputTokens'),
        cacheWrite5mTokens: n('cacheWrite5mTokens'),
        cacheWrite1hTokens: n('cacheWrite1hTokens'),
        cacheReadTokens: n('cacheReadTokens'),
        costNanos: n('costNanos'),
      };
    });
    return { byModel };
  }

  /** All keys of these counters (for tests and for resetting a run). */
  async keys(): Promise<string[]> {
    return [this.modelsKey, ...(await this.calls.call('keys', this.redis.smembers(this.modelsKey))).map((m) => this.modelKey(m))];
  }

  private modelKey(model: string): string {
    return `${this.tag}:m:${model}`;
  }
}
