/** Operations routes: liveness, readiness, Prometheus metrics and a JSON summary. */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import type { TurnService } from '../turn-service.js';

export function registerOpsRoutes(app: FastifyInstance, rt: Runtime, turns: TurnService): void {
  app.get('/healthz', { schema: { summary: 'Liveness' } }, async () => ({ ok: true }));

  app.get('/readyz', { schema: { summary: 'Readiness: not draining, shared store reachable' } }, async (_req, reply) => {
    if (rt.draining) return reply.code(503).send({ ready: false, reason: 'draining' });
    if (rt.redis) {
      try {
        await rt.redis.ping();
      } catch {
        return reply.code(503).send({ ready: false, reason: 'redis unreachable' });
      }
    }
    return { ready: true };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_req, reply) => {
    turns.gauges();
    reply.header('content-type', rt.metrics.registry.contentType);
    return rt.metrics.registry.metrics();
  });

  app.get('/v1/stats', { schema: { summary: 'Usage, cost, workers and cache as JSON' } }, async () => {
    const { pool, counters, cache } = rt.env;
    const totals = await counters.totals();
    const byModel = Object.fromEntries(Object.entries(totals.byModel).map(([m, t]) => [m, { ...t, costUsd: t.costNanos / 1e9 }]));
    const costNanos = Object.values(totals.byModel).reduce((a, t) => a + t.costNanos, 0);
    return {
      workers: { slots: rt.slots, busy: pool.inUse, queued: pool.queued, peakBusy: pool.peakBusy, rejected: pool.rejected, deadLettered: pool.deadLettered },
      cache: await cache.stats(),
      cost: { totalNanos: costNanos, totalUsd: costNanos / 1e9, byModel },
      shared: rt.redis ? 'redis' : 'memory',
    };
  });
}
