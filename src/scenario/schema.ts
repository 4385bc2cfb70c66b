/**
 * The scenario language: one zod schema that validates a parsed YAML document, converts every unit to
 * base units (ms, tokens, USD per token, events/s), fills defaults (so a 10-line scenario is complete)
 * and yields the typed `Scenario`. The JSON Schema for editors is generated from it (`npm run schema`).
 *
 * Keys are camelCase in YAML and in TypeScript alike, so a validation path is the YAML key path.
 * Cross-field rules (router naming a model that exists, …) live in `rules.ts`.
 */
import { z } from 'zod';
import { distOf } from './distributions.js';
import { count, duration, money, price, rate, ratio } from './units.js';

const DAY_MS = 86_400_000;
const MAX_TOKENS = 10_000_000;

const tokens = (max = MAX_TOKENS) => count({ min: 0, max });
const positiveTokens = (max = MAX_TOKENS) => count({ min: 0, minExclusive: true, max });
const wholeCount = (min: number, max: number) => count({ min, max, integer: true });
const name = () => z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, { error: 'expected a name of letters, digits, `_`, `-` or `.`, starting with a letter' });

const tokenDist = (max = MAX_TOKENS) => distOf(() => tokens(max));
const durationDist = (max = DAY_MS) => distOf(() => duration({ min: 0, max }));
/** Whole draws from min to max; the parameters (mean, median, p95) within the same range but not whole, the sd from 0. */
const wholeDist = (min: number, max: number) => distOf(() => wholeCount(min, max), { param: () => count({ min, max }), spread: () => count({ min: 0, max }) });

// ---- users and arrivals ---------------------------------------------------------------------------

const Arrival = z.discriminatedUnion('profile', [
  z.strictObject({ profile: z.literal('flat') }),
  z.strictObject({
    profile: z.literal('diurnal'),
    /** Hour of day (0–24) at which the rate peaks. */
    peakHour: z.number().min(0).max(24).default(14),
    /** Rate at the trough as a share of the peak. */
    troughRatio: ratio().prefault(0.2),
    /** Clock hour at simulated time 0. */
    startHour: z.number().min(0).max(24).default(0),
  }),
  z.strictObject({
    profile: z.literal('spikes'),
    spikes: z
      .array(
        z.strictObject({
          at: duration().describe('When the spike starts, from the start of the run (the scenario’s clock).'),
          for: duration({ min: 1, max: DAY_MS }).describe('How long it lasts.'),
          multiplier: z.number().min(1).max(1000).describe('Arrival rate during the spike, as a multiple of the base rate.'),
        }),
      )
      .min(1)
      .max(1000)
      .describe('One-off events on the scenario’s clock, like fault windows — not daily ones: the 30-day month projection counts each once.'),
  }),
]);

const Users = z.strictObject({
  dailyActive: wholeCount(1, 1e9).describe('Daily active users.'),
  concurrencyRatio: ratio().describe('Peak concurrent sessions as a share of daily active users (3% → 150 of 5,000).'),
  arrival: Arrival.prefault({ profile: 'flat' }),
  /** Share of sessions in each queue priority class; defaults to all `standard`. */
  priorityMix: z.record(name(), z.number().nonnegative()).optional(),
  /** Fixed session arrival rate; by default it follows from Little's law (concurrency / mean session length). */
  arrivalRate: rate().optional(),
});

// ---- conversation -----------------------------------------------------------------------------------

const Context = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.literal('full') }),
  z.strictObject({ policy: z.literal('window'), turns: wholeCount(1, 10_000) }),
  z.strictObject({
    policy: z.literal('summarise'),
    after: wholeCount(1, 10_000).describe('Summarise the history once it holds this many turns.'),
    summaryTokens: positiveTokens(1_000_000).prefault(500),
    /** The model that writes summaries; defaults to the router's default model. */
    model: name().optional(),
  }),
]);

const Conversation = z.strictObject({
  turns: wholeDist(1, 10_000).prefault(6),
  thinkTime: durationDist().prefault('30s'),
  callsPerTurn: wholeDist(1, 1_000).prefault(1),
  toolLatency: durationDist().prefault(0),
  tokens: z
    .strictObject({
      systemPrompt: tokens().prefault('1k'),
      userMessage: tokenDist().prefault({ dist: 'lognormal', median: 150, p95: 600 }),
      output: tokenDist().prefault({ dist: 'lognormal', median: 300, p95: 1200 }),
      /** Tokens a tool result adds to the context between calls of one turn. */
      toolResult: tokenDist().prefault(0),
    })
    .prefault({}),
  context: Context.prefault({ policy: 'full' }),
});

// ---- prompt repetition ------------------------------------------------------------------------------

const Prompts = z.strictObject({
  /** Share of user messages that are FAQ-like repeats; the cache hit rate emerges from this and the TTL. */
  repeatShare: ratio().prefault(0),
  /** How many distinct FAQ-like prompts there are (K of the Zipf). */
  distinct: wholeCount(1, 10_000_000).prefault(1000),
  zipfExponent: z.number().positive().max(10).default(1),
  /** Which turns can be repeats: the opening message only, or any turn. */
  turns: z.enum(['first', 'all']).default('first'),
});

// ---- models -----------------------------------------------------------------------------------------

const InlinePrice = z.strictObject({
  input: price(),
  output: price(),
  cacheWrite5m: price().optional(),
  cacheWrite1h: price().optional(),
  cacheRead: price().optional(),
  batchDiscount: ratio().prefault(0.5),
});

const Limits = z.strictObject({
  rpm: count({ min: 0, minExclusive: true, max: 1e9 }).optional().describe('Requests per minute.'),
  itpm: count({ min: 0, minExclusive: true, max: 1e12 }).optional().describe('Input tokens per minute (uncached input + cache writes).'),
  otpm: count({ min: 0, minExclusive: true, max: 1e12 }).optional().describe('Output tokens per minute.'),
});

const Model = z.strictObject({
  provider: z.enum(['anthropic', 'mock']).default('anthropic'),
  /** Provider model id; also the catalog key when `price` is `catalog`. */
  id: z.string().min(1).max(200),
  price: z.union([z.literal('catalog'), InlinePrice]).default('catalog'),
  latency: z
    .strictObject({
      ttft: durationDist(600_000).prefault({ dist: 'lognormal', median: '600ms', p95: '1.5s' }),
      outputRate: rate({ min: 0, minExclusive: true, max: 1e6 }).prefault('80/s').describe('Output tokens per second once streaming.'),
    })
    .prefault({}),
  limits: Limits.prefault({}),
  maxTokens: wholeCount(1, 1_000_000).prefault(4096),
  contextWindow: wholeCount(1, MAX_TOKENS).prefault('200k'),
  timeout: duration({ min: 1, max: DAY_MS }).prefault('60s'),
  promptCaching: z
    .union([
      z.literal(false),
      z.strictObject({
        ttl: z.enum(['5m', '1h']).default('5m'),
        minTokens: wholeCount(1, MAX_TOKENS)
          .optional()
          .describe('Minimum cacheable prompt (tokens); default: the price catalog\'s figure for the model id, else 1,024.'),
      }),
    ])
    .default(false),
});

// ---- router -----------------------------------------------------------------------------------------

const When = z.strictObject({
  priority: z.union([name(), z.array(name()).min(1)]).optional(),
  minInputTokens: tokens().optional(),
  maxInputTokens: tokens().optional(),
  minTurn: wholeCount(1, 10_000).optional(),
  maxTurn: wholeCount(1, 10_000).optional(),
  /** Call index within the turn (1 = the first call of an agent loop). */
  minCall: wholeCount(1, 1_000).optional(),
});

const Split = z.record(name(), z.number().nonnegative());

const Rule = z.union([
  z.strictObject({ when: When, use: name() }),
  z.strictObject({ when: When, split: Split }),
]);

const Router = z.strictObject({
  /** The model for requests no rule matches: a name, or a weighted split. */
  default: z.union([name(), Split]).optional(),
  rules: z.array(Rule).max(1000).default([]),
  /** Tried in order when the chosen model answers 429 / 529 / 5xx / times out. */
  fallback: z.array(name()).max(100).default([]),
  /** How long a failed model is skipped. */
  cooldown: duration({ min: 0, max: DAY_MS }).prefault('30s'),
});

// ---- capacity: workers, queue, limiter, cache -------------------------------------------------------

const Workers = z.strictObject({
  count: wholeCount(1, 100_000).prefault(4),
  concurrency: wholeCount(1, 100_000).prefault(10),
  /** pooled: a slot is held while a turn runs; perSession: a conversation pins a slot for its whole life. */
  mode: z.enum(['pooled', 'perSession']).default('pooled'),
});

const QueueClass = z.strictObject({
  /** Lower runs first under strict priority. */
  priority: z.number().int().min(0).max(1000),
  /** Share of dequeues under weighted fair queueing. */
  weight: z.number().positive().max(1e6).default(1),
  /** Longest wait in the queue before the task is dead-lettered. */
  deadline: duration({ min: 1, max: DAY_MS }).optional(),
});

const Queue = z.strictObject({
  depth: wholeCount(0, 10_000_000).prefault(1000),
  timeout: duration({ min: 1, max: DAY_MS }).prefault('30s'),
  discipline: z.enum(['strict', 'weighted']).default('strict'),
  classes: z
    .record(name(), QueueClass)
    .refine((c) => Object.keys(c).length > 0, { message: 'expected at least one queue class' })
    .prefault({ interactive: { priority: 0, weight: 8 }, standard: { priority: 1, weight: 4 }, batch: { priority: 2, weight: 1 } }),
});

const Limiter = z.strictObject({
  /** Admit up to this share of each provider limit. */
  margin: ratio().prefault(0.9),
  /** What to reserve for output tokens before the answer is known. */
  outputEstimate: z.enum(['maxTokens', 'expected']).default('maxTokens'),
  /** When the shared store is unreachable: admit (open) or refuse (closed). */
  onStoreDown: z.enum(['open', 'closed']).default('closed'),
});

const Cache = z.union([
  z.literal(false),
  z.strictObject({
    ttl: duration({ min: 1, max: 365 * DAY_MS }).prefault('1h'),
    maxEntries: wholeCount(1, 100_000_000).prefault('100k'),
    maxBytes: count({ min: 1, max: 1e12 }).prefault('256M'),
  }),
]);

const RetryOn = z.enum(['429', '529', '500', '502', '503', '504', 'timeout', 'connection']);

const Retry = z.strictObject({
  maxAttempts: wholeCount(1, 100).prefault(3),
  baseDelay: duration({ min: 0, max: DAY_MS }).prefault('500ms'),
  maxDelay: duration({ min: 0, max: DAY_MS }).prefault('20s'),
  maxElapsed: duration({ min: 0, max: DAY_MS }).prefault('2m'),
  retryOn: z.array(RetryOn).default(['429', '529', '500', '502', '503', '504', 'timeout', 'connection']),
});

const Breaker = z.union([
  z.literal(false),
  z.strictObject({
    window: duration({ min: 1, max: DAY_MS }).prefault('30s'),
    minRequests: wholeCount(1, 1_000_000).prefault(20),
    failureRate: ratio().prefault(0.5),
    cooldown: duration({ min: 1, max: DAY_MS }).prefault('15s'),
    probes: wholeCount(1, 1000).prefault(3),
  }),
]);

const Fault = z.strictObject({
  /** Model name; all models when absent. */
  model: name().optional(),
  at: duration({ min: 0, max: 31 * DAY_MS }),
  for: duration({ min: 1, max: 31 * DAY_MS }),
  errorRate: ratio().prefault(0),
  status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(529)]).default(529),
  latencyMultiplier: z.number().min(1).max(1000).default(1),
});

const Slo = z.strictObject({
  turnLatencyP50: duration({ min: 1, max: DAY_MS }).optional(),
  turnLatencyP95: duration({ min: 1, max: DAY_MS }).optional(),
  turnLatencyP99: duration({ min: 1, max: DAY_MS }).optional(),
  ttftP95: duration({ min: 1, max: DAY_MS }).optional(),
  queueWaitP95: duration({ min: 0, max: DAY_MS }).optional(),
  maxErrorRate: ratio().optional(),
  maxCostPerDay: money().optional(),
  maxCostPerConversation: money().optional(),
});

const Planning = z.strictObject({
  /** Multiply the workers the SLO needs by this for the recommendation. */
  headroom: z.number().min(1).max(100).default(2),
  /** Bounds of the recommendation (what the deployment allows, e.g. an autoscaler's min and max). */
  minWorkers: wholeCount(1, 100_000).prefault(1),
  maxWorkers: wholeCount(1, 100_000).prefault(1000),
});

/** A run's seed: an unsigned 32-bit integer (what the RNG's key mixing takes whole). `--seed` takes the same. */
export const Seed = z.number().int().min(0).max(2 ** 32 - 1);

export const ScenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).max(200).default('scenario'),
  description: z.string().max(10_000).optional(),
  seed: Seed.default(1),
  duration: duration({ min: 1_000, max: 31 * DAY_MS }).prefault('1h'),
  warmup: duration({ min: 0, max: 31 * DAY_MS }).prefault('5m'),
  users: Users,
  conversation: Conversation.prefault({}),
  prompts: Prompts.prefault({}),
  models: z.record(name(), Model).check((ctx) => {
    if (Object.keys(ctx.value).length === 0) ctx.issues.push({ code: 'custom', message: 'expected at least one model', input: ctx.value });
  }),
  router: Router.prefault({}),
  workers: Workers.prefault({}),
  queue: Queue.prefault({}),
  limiter: Limiter.prefault({}),
  cache: Cache.prefault({}),
  retry: Retry.prefault({}),
  breaker: Breaker.prefault({}),
  faults: z.array(Fault).max(10_000).default([]),
  slo: Slo.prefault({}),
  planning: Planning.prefault({}),
  report: z.strictObject({ step: duration({ min: 1_000, max: DAY_MS }).prefault('1m') }).prefault({}),
});

type Parsed = z.output<typeof ScenarioSchema>;

/** A validated, normalised scenario: every unit converted, every default filled (see `normalise`). */
export type Scenario = Omit<Parsed, 'router' | 'users'> & {
  router: Parsed['router'] & { default: string | Record<string, number> };
  users: Parsed['users'] & { priorityMix: Record<string, number> };
};

/** Fills the defaults that depend on other fields: the router's default model and the priority mix. */
export function normalise(p: Parsed): Scenario {
  const classes = Object.entries(p.queue.classes).sort((a, b) => a[1].priority - b[1].priority);
  const defaultClass = 'standard' in p.queue.classes ? 'standard' : classes[Math.floor((classes.length - 1) / 2)]![0];
  return {
    ...p,
    router: { ...p.router, default: p.router.default ?? Object.keys(p.models)[0]! },
    users: { ...p.users, priorityMix: p.users.priorityMix ?? { [defaultClass]: 1 } },
  };
}
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ModelSpec = Scenario['models'][string];
export type RouterRule = Scenario['router']['rules'][number];
export type QueueClassSpec = Scenario['queue']['classes'][string];
