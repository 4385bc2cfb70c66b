/**
 * The report shape and metric names, defined once and used by the simulator and the load tester alike,
 * so a prediction and a measurement can be diffed field by field (STYLE.md habit 4).
 *
 * The shape is a zod schema (`ReportSchema`) and the `Report` type is inferred from it, so the JSON a
 * run writes is checked against the same definition that `schema/report.schema.json` is generated
 * from (`src/report/write-report-schema.ts`; a test fails when the file drifts). Every object is
 * strict: a key the schema does not name is an error, so a field added in code but not here is caught.
 * The JSON report is versioned by `schemaVersion`: bump `REPORT_SCHEMA_VERSION` on any breaking change
 * (a field removed, renamed or given another meaning or unit); adding an optional field is not breaking.
 *
 * Units are in the field names or descriptions: durations and timestamps in ms (`…Ms`, or from the start
 * of the run for `…AtMs`), money in USD, ratios in [0, 1], rates per second (`…PerS`) or per minute.
 */
import { z } from 'zod';
import type { Summary } from './histogram.js';

// 2: workersNeededBasis gained 'providerLimit' (a reader of version 1 would not know it), and the
// Little's law error is relative to max(L, λW), not L.
// 3: cost per conversation (and so per day and month) is over completed conversations only, the cut-short
// ones apart in `cost.cutShort`; a version-2 figure averaged them in. Per month counts a spike once
// (`population.conversationsPerMonth`), where version 2 took per day × 30. workersNeededBasis gained
// 'limiterWait' (workers saturated while a limit held calls back, without capping the window's mean).
export const REPORT_SCHEMA_VERSION = 3;

/** Latency metrics (histograms, ms). */
export const LATENCY_METRICS = ['turn', 'queueWait', 'limiterWait', 'provider', 'tool', 'retryWait', 'ttft'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

const LIMIT_KINDS = ['rpm', 'itpm', 'otpm'] as const;
/** How reports and answers name each limit kind ("sonnet input TPM"). */
export const LIMIT_LABEL: Readonly<Record<(typeof LIMIT_KINDS)[number], string>> = { rpm: 'RPM', itpm: 'input TPM', otpm: 'output TPM' };
const LimitKind = z.enum(LIMIT_KINDS).describe('rpm: requests/min; itpm: input tokens/min; otpm: output tokens/min');

const count = (what: string) => z.int().nonnegative().describe(what);
const ms = (what: string) => z.number().nonnegative().describe(`${what} (ms)`);
const usd = (what: string) => z.number().nonnegative().describe(`${what} (USD)`);
const ratio = (what: string) => z.number().nonnegative().describe(`${what} (ratio; 1 = 100 %)`);
const counters = (what: string) => z.record(z.string(), z.int().nonnegative()).describe(what);

/** The field builders of the report schema, shared by the documents built around a report (sim plan and compare, ci check, raw load): one wording of each unit in every generated schema. */
export const field = { count, ms, usd, ratio } as const;

export const LatencySummarySchema = z
  .strictObject({
    count: count('Samples recorded'),
    mean: ms('Mean'),
    p50: ms('Median'),
    p90: ms('90th percentile'),
    p95: ms('95th percentile'),
    p99: ms('99th percentile'),
    max: ms('Largest sample'),
  })
  .describe('Percentiles in ms of an HDR histogram (3 significant digits); all 0 when nothing was recorded');
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

const LatencySchema = z
  .strictObject({
    turn: LatencySummarySchema.describe(
      "Turn latency: user message arrives → answer complete (includes queue, limiter, provider, tools, retries); in a load test the message arrives when the request goes on the wire, so the load generator's own delays and its connection setup (`run.generator`) are not in it",
    ),
    queueWait: LatencySummarySchema.describe('Time a turn waited in the queue for a worker slot, over turns that took one (a cache hit takes none unless slots are per session)'),
    limiterWait: LatencySummarySchema.describe('Time calls were held back by our own rate limiter, per turn, over turns answered by the provider'),
    provider: LatencySummarySchema.describe('Time spent in provider calls, per turn (all LLM calls of the agent loop), over turns answered by the provider'),
    tool: LatencySummarySchema.describe('Time spent running tools, per turn, over turns that ran a tool'),
    retryWait: LatencySummarySchema.describe('Backoff time between retries, per turn, over turns that retried'),
    ttft: LatencySummarySchema.describe(
      "Time to first token: turn arrival → first token of the turn's first LLM call — what a streaming UI can show first (for a cache hit, when the cached answer is returned)",
    ),
  })
  .describe(
    'Latency breakdown per turn, over answered turns that arrived in the measurement window: turn latency and TTFT over all of them, each other stage over the turns that went through it (`count` says how many)',
  );

export const TurnCountsSchema = z
  .strictObject({
    arrived: count('Turns that arrived in the measurement window'),
    completed: count('Answered by the provider'),
    cacheHits: count('Answered from the response cache'),
    rejected: count('Refused at admission (queue full, unknown class)'),
    deadLettered: count('Waited past their queue deadline'),
    failed: count('Gave up after retries / fallbacks (429, 529, 5xx, timeout, breaker open…)'),
    cutOffAtDrain: count(
      'Load tests: still in flight when the drain after the window hit its bound (--drain-timeout): sent, never answered, in no latency figure; the run is incomplete',
    ).optional(),
    byReason: counters('Why turns did not complete: turns by reason'),
  })
  .describe('Turn outcomes; arrived = completed + cacheHits + rejected + deadLettered + failed (+ cutOffAtDrain in a load test)');
export type TurnCounts = z.infer<typeof TurnCountsSchema>;

export const EventCountsSchema = z
  .strictObject({
    providerCalls: count('Provider calls that returned an answer (= attempts − failed attempts)'),
    attempts: count('Provider call attempts, including failed ones'),
    retries: count('Attempts repeated on the same model after a failure'),
    fallbacks: count('Calls moved to the next model of the fallback chain'),
    providerFailures: counters('Failed provider attempts by kind (429, 529, 500, timeout…)'),
    breakerRejections: count('Calls refused by an open circuit breaker'),
    limiterWaits: counters('Calls our own limiter held back, by `model:limit` (e.g. `sonnet:otpm`)'),
  })
  .describe('Provider-call events of the turns that arrived in the measurement window');
export type EventCounts = z.infer<typeof EventCountsSchema>;

const usageFields = {
  requests: count('Provider calls'),
  inputTokens: count('Uncached input tokens'),
  outputTokens: count('Output tokens'),
  cacheWrite5mTokens: count('Input tokens written to the provider prompt cache with a 5-minute TTL'),
  cacheWrite1hTokens: count('Input tokens written to the provider prompt cache with a 1-hour TTL'),
  cacheReadTokens: count('Input tokens read from the provider prompt cache'),
};
export const UsageTotalsSchema = z.strictObject(usageFields).describe('Token usage');
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

export const ModelCostSchema = z
  .strictObject({
    ...usageFields,
    usd: usd('Cost of these calls, from usage'),
    byClass: z
      .strictObject({ input: usd('Input'), output: usd('Output'), cacheWrite5m: usd('Cache writes, 5 m'), cacheWrite1h: usd('Cache writes, 1 h'), cacheRead: usd('Cache reads') })
      .describe('USD by token class, each call at the rates it was billed at (long-context ones included); sums to `usd` up to per-call rounding'),
    priceSource: z.string().describe('Where the prices came from (catalog entry and date, or the scenario)'),
  })
  .describe('Usage and cost of one model in the measurement window');
export type ModelCost = z.infer<typeof ModelCostSchema>;

export const CohortSchema = z
  .strictObject({
    sessions: count('Sessions that started in the measurement window'),
    turns: count('All turns those sessions took, whenever they ran'),
    answered: count('Of those, turns answered (by the provider or the cache)'),
    cacheHits: count('Of those, turns answered from the response cache'),
    costNanos: count('Their cost, nano-dollars (exact)'),
    byModel: z.record(z.string(), z.strictObject({ ...usageFields, costNanos: count('Cost, nano-dollars (exact)') })).describe('Their provider calls by model'),
  })
  .describe(
    'Everything the sessions that started in the window did, counted when they ended: independent of timing, so a simulation and a live replay of the same scenario and seed agree exactly',
  );
export type Cohort = z.infer<typeof CohortSchema>;

export const LimitUseSchema = z
  .strictObject({
    limit: z.number().positive().describe('Provider limit per minute'),
    admitted: z.number().nonnegative().describe('What our limiter admits per minute (limit × safety margin)'),
    peakPerMinute: z
      .number()
      .nonnegative()
      .describe(
        'Highest use in any full minute of the window (minutes counted from the end of warm-up, whatever `report.step`). It can pass `admitted`, and `limit`: the limiter (and the provider model) are token buckets that hold a minute of the admitted rate and refill continuously, so after a quieter spell one minute can take a full bucket plus its refill — up to twice `admitted` — without a 429; a provider with shallower buckets may refuse such a burst',
      ),
    peakAtMs: ms('When the peak minute starts, from the start of the run'),
    peakUtilisation: ratio('peakPerMinute / limit: the busiest minute against the limit, not a sustained use (it can pass 1 in a burst, see peakPerMinute); meanPerMinute / limit is the sustained one'),
    meanPerMinute: z.number().nonnegative().describe('Mean use per minute over exactly the window'),
  })
  .describe('Use of one provider rate limit');
export type LimitUse = z.infer<typeof LimitUseSchema>;

export const DistributionSchema = z
  .strictObject({ mean: z.number().nonnegative(), p99: z.number().nonnegative(), max: z.number().nonnegative() })
  .describe('A sampled quantity (sampled every second of the window)');
export type Distribution = z.infer<typeof DistributionSchema>;

export const SloCheckSchema = z
  .strictObject({
    name: z.string().describe('What is checked, e.g. "turn latency p95"'),
    target: z.number().describe('The most the scenario allows, in `unit`'),
    actual: z.number().describe('What the run measured, in `unit` (0 when nothing was measured: see `measured`)'),
    unit: z.enum(['ms', 'ratio', 'usd']),
    measured: z.boolean().describe('Whether the run had anything to measure: a latency percentile with no answered turn has not, and fails'),
    pass: z.boolean().describe('measured and actual ≤ target'),
  })
  .describe('One SLO from the scenario');
export type SloCheck = z.infer<typeof SloCheckSchema>;

const perStep = (what: string) => z.array(z.number()).describe(`${what}, one value per step`);

export const SeriesSchema = z
  .strictObject({
    stepMs: z.number().positive().describe('Step length (ms)'),
    t: perStep('Start of each step, ms from the start of the run'),
    inFlightCalls: perStep('LLM calls in flight'),
    busySlots: perStep('Worker slots busy'),
    queueDepth: perStep('Turns waiting in the queue'),
    activeSessions: perStep('Conversations in progress'),
    turnsCompleted: perStep('Turns answered (provider or cache) in the step'),
    p95TurnLatencyMs: perStep('p95 latency (ms) of turns answered in the step'),
    costUsd: perStep('Cost (USD) incurred in the step'),
    byModel: z
      .record(z.string(), z.strictObject({ requests: perStep('Provider calls'), inputTokens: perStep('Input tokens'), outputTokens: perStep('Output tokens') }))
      .describe('Provider usage per model (what counts against its limits)'),
  })
  .describe('Time series over the whole run, warm-up and drain included (for charts)');
export type Series = z.infer<typeof SeriesSchema>;

/** One row of a load test's predicted vs measured comparison (`loadtest --compare-sim`). */
export const CompareRowSchema = z
  .strictObject({
    metric: z.string(),
    predicted: z.number(),
    measured: z.number(),
    error: z.number().nonnegative().describe('Relative error |m − p| / p (0 when both are 0, 1 when only the prediction is)'),
    tolerance: z.union([z.literal('exact'), z.number().nonnegative()]).describe("'exact' or the tolerated relative error"),
    pass: z.boolean(),
    unit: z.enum(['count', 'usd', 'ms', 'per-s', 'tokens']),
  })
  .describe('A figure predicted by the simulation and measured by the load test');

export const ReportSchema = z
  .strictObject({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION).describe('Version of this report format'),
    kind: z.enum(['simulation', 'loadtest']).describe('A prediction (simulation) or a measurement (load test)'),
    answer: z.string().describe('The answer first, in one or two sentences: workers, binding limit, latency, cost'),
    scenario: z
      .strictObject({
        name: z.string(),
        seed: z.int().describe('Seed of the workload and provider model; the same seed replays the same sessions'),
        durationMs: ms('Length of the run, warm-up included'),
        warmupMs: ms('Warm-up excluded from the measurement window'),
        workers: z.strictObject({
          count: count('Workers configured'),
          concurrency: count('Slots per worker'),
          mode: z.enum(['pooled', 'perSession']).describe('pooled: a slot per turn; perSession: a slot per conversation'),
        }),
      })
      .describe('The scenario as run'),
    run: z
      .strictObject({
        simulatedMs: ms('Virtual time simulated, drain included'),
        wallMs: ms('Wall-clock time the run took'),
        events: count('Events processed'),
        eventsPerSecond: z.number().nonnegative().describe('Events processed per wall-clock second'),
        drain: z
          .strictObject({
            timeoutMs: ms('Wall time the conversations still running after the last arrival were given to finish (--drain-timeout)'),
            cutOffTurns: count('Turns still in flight when that bound was hit, whenever they were sent: every turn sent was answered, failed or is counted here'),
            cutOffSessions: count('Conversations still running then (a turn in flight, waiting for a connection of the load generator, or thinking): their later turns were never sent'),
          })
          .optional()
          .describe('Load tests: the bounded drain after the window (a simulation drains completely); anything cut off makes the run incomplete (exit 1)'),
        generator: z
          .strictObject({
            connections: count("HTTP connections the load generator had to the target (--connections, split among the agents): turn requests on the wire at once"),
            sends: count('Turn requests sent, warm-up and drain included'),
            lagThresholdMs: ms('A send that leaves more than this after its intended time is late (real)'),
            lateSends: count('Sends that left more than lagThresholdMs after their intended time, whatever held them: the generator\'s timers, or the wait for a connection'),
            lateForConnection: count('Of those, sends held mostly (at least half their lag) by the wait for a connection'),
            maxLagMs: ms('Largest lag of a send behind its intended time (real)'),
            connectionWait: LatencySummarySchema.describe(
              "Real ms sends waited for one of the generator's connections, over the sends that waited (`count` of them); part of their lag, in no latency figure (k6's http_req_blocked)",
            ),
            connectionSetup: LatencySummarySchema.describe(
              "Real ms the connections the generator opened took to set up (DNS lookup, TCP connect, TLS handshake), over those connections (`count`: connections opened; a kept-alive one is opened once); not part of the lag, in no latency figure (k6's http_req_connecting + http_req_tls_handshaking)",
            ),
          })
          .optional()
          .describe(
            "Load tests: what the load generator itself added before each send, and the setup of the connections it opened, apart from the target's latency (which runs from when the request went on the wire); more than --max-late-share of the sends late means the target got less load than planned and the run cannot be trusted (exit 1)",
          ),
        agents: z
          .strictObject({
            count: count('Load-generator agents the run had (--agents)'),
            reported: count('Agents whose measurements this report merges'),
            lost: z
              .array(
                z.strictObject({
                  agent: z.int().positive().describe('Which agent (1-based): it replayed the sessions whose id ≡ agent − 1 (mod count)'),
                  pid: z.int().positive().optional().describe('Its process id, from its last heartbeat (none: never heard from)'),
                  host: z.string().optional().describe('The machine it ran on, from its last heartbeat'),
                  sessions: count('Conversations it had started by its last heartbeat'),
                  sends: count('Turn requests it had sent by then'),
                  answered: count('Of those, answered'),
                }),
              )
              .describe("Agents that died mid-run (their heartbeat lapsed without a result): their share of the sessions is missing from every figure"),
          })
          .optional()
          .describe('Distributed load tests (--agents N): a run with a lost agent is incomplete — the other agents were stopped and the target got less load than planned — and exits 1'),
        timeScale: z
          .number()
          .positive()
          .optional()
          .describe('Load tests: scenario ms per real ms (--time-scale). Latencies are in scenario time, so the real overhead in them (HTTP, scheduling) is multiplied by it: runs at different time scales do not compare'),
        interrupted: z.literal(true).optional().describe('Load tests: stopped by Ctrl-C before the end (exit 130); the figures cover the run until then'),
      })
      .describe('How the run itself went'),
    population: z
      .strictObject({
        targetConcurrency: z.number().nonnegative().describe('Concurrent conversations planned: daily active × concurrency ratio, or the fixed arrival rate × the mean session length (Little’s law)'),
        meanSessionMs: ms('Expected length of an unloaded conversation'),
        arrivalRatePerS: z.number().nonnegative().describe('Base conversation arrival rate (per second), by Little’s law'),
        sessionsStarted: count('Conversations started in the window'),
        sessionsCompleted: count('Of those, conversations that ended: every turn answered, or cut short at the first turn not answered (`cost.cutShort`)'),
        conversationsPerDay: z.number().nonnegative().describe('Conversations per day implied by the arrival profile: its first 24 h, from the scenario’s start (a spike in them included)'),
        conversationsPerMonth: z
          .number()
          .nonnegative()
          .describe(
            'Conversations in a 30-day month: the arrival profile over 30 days from the scenario’s start. A diurnal or flat profile repeats daily (30 × per day); a spike is an event on the scenario’s clock and counts once',
          ),
        meanActiveSessions: z.number().nonnegative().describe('Mean conversations in progress (sampled)'),
      })
      .describe('The user population'),
    turns: TurnCountsSchema,
    latency: LatencySchema,
    throughput: z
      .strictObject({
        turnsPerS: z.number().nonnegative().describe('Turns answered per second'),
        callsPerS: z.number().nonnegative().describe('Provider calls per second'),
        inputTokensPerS: z.number().nonnegative().describe('Input tokens per second that count against ITPM (uncached input + cache writes; cache reads do not)'),
        outputTokensPerS: z.number().nonnegative().describe('Output tokens per second'),
      })
      .describe('Mean rates over exactly the measurement window (whatever `report.step`)'),
    capacity: z
      .strictObject({
        slots: count('Worker slots configured (workers × concurrency)'),
        utilisation: ratio('Mean busy slots / slots'),
        inFlightCalls: DistributionSchema.describe('LLM calls in flight'),
        busySlots: DistributionSchema.describe('Worker slots busy'),
        slotDemand: DistributionSchema.describe('Turns wanting a slot (busy + queued): what the workers must cover'),
        queueDepth: DistributionSchema.describe('Turns waiting in the queue'),
        queueByClass: z
          .record(
            z.string(),
            z.strictObject({
              turns: count('Turns of the class that arrived in the window'),
              answered: count('Of them, answered (completed or from the cache)'),
              rejected: count('Refused: queue full'),
              deadLettered: count('Waited past the class deadline'),
              queueWait: LatencySummarySchema.describe('Queue wait of the answered turns that asked for a slot'),
            }),
          )
          .optional()
          .describe('Per queue class (priority): what each class waited and lost; strict priority or weights show here, not in the pooled figures (simulation only)'),
        offeredSlotDemand: z
          .strictObject({ mean: z.number().nonnegative().describe('Mean'), p99: z.int().nonnegative().describe('99th percentile') })
          .optional()
          .describe(
            'Slots the offered load would keep busy if slots were never short (simulation only): slot requests per ms × mean slot-hold time of the grants served, p99 from the Poisson law of an unconstrained (M/G/∞) system; with workersNeededBasis providerLimit, the slots that carry what the limit admits, with limiterWait, limiter wait left out (see there)',
          ),
        workersNeededBasis: z
          .enum(['sampled', 'offeredLoad', 'limiterWait', 'providerLimit'])
          .describe(
            'sampled: p99 of the sampled slot demand; offeredLoad: the workers were saturated (turns refused a slot: queue full or queue deadline; or the offered slot demand mean at least the slots configured, so the queue can only grow), so the sampled demand is bounded by them and workers needed rests on max(offered p99, sampled busy p99); limiterWait: saturated so while the binding limit held calls back in our limiter for at least 10 % of the slot-hold time, without capping the mean over the window (a burst it could not carry): turns waited holding their slots, which more workers would only fill with more waiting, so workers needed rests on offeredSlotDemand with limiter wait left out of the slot hold time (not on the busy slots the waiting kept full); providerLimit: a provider limit caps throughput (it ran at its admitted rate, held calls back, and part of the offered turns went unserved), so no worker count serves everyone and workers needed carries what the limit admits: offeredSlotDemand with limiter wait left out of the slot hold time and the requests scaled to the share served',
          ),
        workersNeeded: count('Workers that cover p99 slot demand (see workersNeededBasis)'),
        workersRecommended: count('workersNeeded × headroom, rounded up, within the scenario\'s planning.minWorkers and planning.maxWorkers'),
        headroom: z.number().positive().describe('Planning headroom factor from the scenario'),
      })
      .describe('Workers and slots'),
    limits: z
      .strictObject({
        byModel: z.record(z.string(), z.partialRecord(LimitKind, LimitUseSchema)).describe('Use of each configured provider limit, per model'),
        binding: z
          .strictObject({
            model: z.string(),
            limit: LimitKind,
            peakUtilisation: ratio('Busiest minute / provider limit, as in byModel (a burst can pass 1 without a 429)'),
            atMs: ms('When the peak step starts, from the start of the run'),
            binds: z.boolean().describe('True if the limit held calls back (limiter waits or provider 429s on it) or reached the admitted rate'),
            heldBack: count('Calls our limiter made wait on this limit in the window'),
            rateLimited: count('Provider 429s on this limit in the window (known to the simulator; 0 in a load test)'),
          })
          .nullable()
          .describe('The limit that held the most calls back, else the one closest to its admitted rate; null if none held calls back or reached 80 % of it'),
      })
      .describe('Provider rate limits'),
    events: EventCountsSchema,
    cache: z
      .strictObject({ hits: count('Lookups answered from the cache (= turns.cacheHits)'), misses: count('Lookups not in the cache'), hitRate: ratio('hits / (hits + misses)') })
      .describe('Response cache (exact match), lookups of the turns that arrived in the measurement window; the hit rate emerges from prompt repetition and TTL'),
    cost: z
      .strictObject({
        windowUsd: usd('Cost of the measurement window'),
        byModel: z.record(z.string(), ModelCostSchema),
        perConversationUsd: z
          .strictObject({
            mean: usd(
              'Mean cost of a conversation served in full (every turn answered): the mean of the completed conversations of each planned number of turns, weighted by how many of the window’s conversations planned that many — the cut-short ones are long more often, so a plain mean of the completed would read low; exactly the plain mean when none was cut short; 0 when none completed',
            ),
            p95: usd('95th percentile of the completed conversations’ cost (not weighted)'),
          })
          .describe('Cost per conversation, from the conversations that started in the window; the cut-short ones are apart (`cutShort`)'),
        cutShort: z
          .strictObject({
            conversations: count('Conversations of the window that ended at a turn not answered (refused, dead-lettered or failed: the user gave up)'),
            usd: usd('What they cost in all'),
            unpriced: count('Conversations (cut short) that planned a number of turns no completed conversation had: left out of the weights of perConversationUsd'),
          })
          .describe('Conversations cut short: left out of perConversationUsd, which they made read low when averaged in'),
        perDayUsd: usd('Per day: per conversation × conversations per day — serving every conversation in full, whatever the run turned away'),
        perMonthUsd: usd('Per 30-day month: per conversation × conversations per month (a spike counted once, not every day)'),
      })
      .describe('Cost, from usage and the rate cards'),
    slo: z
      .strictObject({ checks: z.array(SloCheckSchema), pass: z.boolean().describe('Every check passed (true when there are none)') })
      .describe('The scenario’s SLOs against what the run measured; a failure exits with code 99'),
    cohort: CohortSchema,
    littlesLaw: z
      .strictObject({
        L: z.number().nonnegative().describe('Mean turns in the system (sampled)'),
        lambdaPerS: z.number().nonnegative().describe('Turn arrival rate (per second)'),
        WMs: ms('Mean turn sojourn'),
        relativeError: ratio('|L − λW| / max(L, λW) (0 when both are 0): a consistency check of the run; should be near 0'),
      })
      .describe('Little’s law check, L = λW'),
    series: SeriesSchema,
    histograms: z
      .strictObject(Object.fromEntries(LATENCY_METRICS.map((m) => [m, z.string()])) as Record<LatencyMetric, z.ZodString>)
      .describe('HDR histograms (µs), compressed and base64-encoded, for merging (hdr-histogram-js encodeIntoCompressedBase64)'),
    comparison: z.array(CompareRowSchema).optional().describe('Load tests with --compare-sim: predicted vs measured, row by row (README "Load testing")'),
  })
  .describe('A Headroom report: what a simulation predicts or a load test measured');

export type Report = z.infer<typeof ReportSchema>;

// Compile-time guards: the latency keys are exactly LATENCY_METRICS, and what `summarise` returns is a
// LatencySummary (and back), so the recorder, the schema and the histogram module cannot drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _latencyKeys: Same<keyof Report['latency'], LatencyMetric> = true;
const _summary: Same<Summary, LatencySummary> = true;
