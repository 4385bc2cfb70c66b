/**
 * Pricing: the cost of a provider call from its usage, in integer nano-dollars.
 *
 * Rates are kept as pico-dollars per token (an integer for every published price: $3/Mtok = 3,000,000
 * pico$/token) and each call's cost is rounded once to nano-dollars, so totals are exact integer sums
 * and the simulator and the runtime agree to the cent whatever order they add in. Cost always comes
 * from usage; an unknown model or a missing price is an error, never a silent $0.
 */
import { PRICE_CATALOG, type CatalogPrice } from '../scenario/price-catalog.js';
import type { ModelSpec, Scenario } from '../scenario/schema.js';
import type { Usage } from './types.js';
import { ModelMap } from './model-map.js';

/** USD per token → pico-dollars per token, rounded (prices are published to at most 6 decimals per Mtok). */
const pico = (usdPerToken: number) => Math.round(usdPerToken * 1e12);
const picoPerMtok = (usdPerMtok: number) => Math.round(usdPerMtok * 1e6);

export interface RateCard {
  model: string;
  source: string;
  /** Pico-dollars per token. */
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  batchDiscount: number;
  /** Above this many prompt tokens the whole request is billed at `longContext` rates. */
  longContext?: { aboveInputTokens: number; card: Omit<RateCard, 'model' | 'source' | 'longContext' | 'batchDiscount'> };
}

function fromCatalog(p: CatalogPrice) {
  return { input: picoPerMtok(p.input), output: picoPerMtok(p.output), cacheWrite5m: picoPerMtok(p.cacheWrite5m), cacheWrite1h: picoPerMtok(p.cacheWrite1h), cacheRead: picoPerMtok(p.cacheRead) };
}

export class PricingError extends Error {}

/** The rate card of a scenario model: its catalog entry or its inline prices. */
export function rateCard(name: string, spec: ModelSpec): RateCard {
  if (spec.price === 'catalog') {
    const entry = PRICE_CATALOG[spec.id];
    if (!entry) throw new PricingError(`model "${name}" (id ${spec.id}) has no catalog price; give prices inline`);
    return {
      model: name,
      source: `catalog ${spec.id}: ${entry.source}, effective ${entry.effectiveFrom}`,
      ...fromCatalog(entry),
      batchDiscount: entry.batchDiscount,
      ...(entry.longContext ? { longContext: { aboveInputTokens: entry.longContext.aboveInputTokens, card: fromCatalog(entry.longContext) } } : {}),
    };
  }
  const p = spec.price;
  // Inline prices: cache rates default to Anthropic's published multipliers of the input price.
  return {
    model: name,
    source: 'inline (scenario)',
    input: pico(p.input),
    output: pico(p.output),
    cacheWrite5m: pico(p.cacheWrite5m ?? p.input * 1.25),
    cacheWrite1h: pico(p.cacheWrite1h ?? p.input * 2),
    cacheRead: pico(p.cacheRead ?? p.input * 0.1),
    batchDiscount: p.batchDiscount,
  };
}

export class Pricing {
  private readonly cards = new ModelMap<RateCard>();

  constructor(scenario: Pick<Scenario, 'models'>) {
    for (const [name, spec] of Object.entries(scenario.models)) this.cards.set(name, rateCard(name, spec));
  }

  card(model: string): RateCard {
    const c = this.cards.get(model);
    if (!c) throw new PricingError(`no prices for model "${model}"`);
    return c;
  }

  /** The rates a call is billed at: the long-context card when its prompt is above the threshold. */
  private rates(card: RateCard, u: Usage): Omit<RateCard, 'model' | 'source' | 'longContext' | 'batchDiscount'> {
    const promptTokens = u.inputTokens + u.cacheReadTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens;
    return card.longContext && promptTokens > card.longContext.aboveInputTokens ? card.longContext.card : card;
  }

  /** Cost of one call in nano-dollars (rounded once, half up). */
  costNanos(model: string, u: Usage, batch = false): number {
    const card = this.card(model);
    const r = this.rates(card, u);
    const picos =
      u.inputTokens * r.input + u.outputTokens * r.output + u.cacheWrite5mTokens * r.cacheWrite5m + u.cacheWrite1hTokens * r.cacheWrite1h + u.cacheReadTokens * r.cacheRead;
    const discounted = batch ? picos * card.batchDiscount : picos;
    return Math.round(discounted / 1000);
  }

  /**
   * Adds one call's cost by token class to `into` (nano-dollars, not rounded), at the rates `costNanos`
   * bills it — so a model's classes sum to its cost up to the per-call rounding (≤ 0.5 nano-dollar a call),
   * long-context calls included. The class split cannot be derived from usage totals afterwards: whether a
   * call is billed at long-context rates depends on that call's prompt.
   */
  addByClass(into: { get(model: string): ClassCost | undefined; set(model: string, c: ClassCost): unknown }, model: string, u: Usage, batch = false): void {
    const card = this.card(model);
    const r = this.rates(card, u);
    const k = (batch ? card.batchDiscount : 1) / 1000;
    let c = into.get(model);
    if (c === undefined) into.set(model, (c = { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 }));
    c.input += u.inputTokens * r.input * k;
    c.output += u.outputTokens * r.output * k;
    c.cacheWrite5m += u.cacheWrite5mTokens * r.cacheWrite5m * k;
    c.cacheWrite1h += u.cacheWrite1hTokens * r.cacheWrite1h * k;
    c.cacheRead += u.cacheReadTokens * r.cacheRead * k;
  }
}

/** Cost of calls by token class, nano-dollars (fractional: each call's class split before its cost is rounded). */
export interface ClassCost {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

export const nanosToUsd = (nanos: number) => nanos / 1e9;
