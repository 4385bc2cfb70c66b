/**
 * Cross-field rules: what a schema of one field cannot see (a router naming a model that does not
 * exist, a priority mix naming an unknown queue class, warm-up longer than the run). They read the raw
 * document defensively so they run — and report — even when other parts fail the schema.
 */
import { didYouMean } from './did-you-mean.js';
import type { PathProblem } from './issues.js';
import { CATALOG_MODEL_IDS, PRICE_CATALOG } from './price-catalog.js';
import type { PathSegment } from './problems.js';
import { parseCount, parseDuration, parseRatio } from './units.js';

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const DEFAULT_CLASSES = ['interactive', 'standard', 'batch'];

/** `atKey`: the name is a mapping key (a split or a priority mix), so point at it, not at its weight. */
function mustName(out: PathProblem[], path: PathSegment[], value: unknown, known: string[], what: string, atKey = false): void {
  if (typeof value !== 'string' || known.includes(value)) return;
  const suggestion = didYouMean(value, known);
  out.push({
    path,
    ...(atKey ? { atKey } : {}),
    message: `${what} "${value}" is not defined (defined: ${known.join(', ') || 'none'})`,
    ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
  });
}

export function checkRules(doc: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isMap(doc)) return out;
  const models = isMap(doc.models) ? Object.keys(doc.models) : [];
  const model = (path: PathSegment[], v: unknown, atKey = false) => models.length > 0 && mustName(out, path, v, models, 'model', atKey);

  // Models: catalog prices must exist.
  if (isMap(doc.models)) {
    for (const [name, m] of Object.entries(doc.models)) {
      if (!isMap(m) || typeof m.id !== 'string') continue;
      const price = m.price ?? 'catalog';
      if (price === 'catalog' && !CATALOG_MODEL_IDS.includes(m.id)) {
        const suggestion = didYouMean(m.id, CATALOG_MODEL_IDS);
        out.push({
          path: ['models', name, 'id'],
          message: `no catalog price for model id "${m.id}"`,
          hint: suggestion ? `did you mean "${suggestion}"? Or give prices inline: price: { input: $3/Mtok, output: $15/Mtok }` : 'give prices inline: price: { input: $3/Mtok, output: $15/Mtok }',
        });
      }
    }
  }

  // Every call asks for `maxTokens`: above the model's published maximum output, the provider refuses every one.
  if (isMap(doc.models)) {
    for (const [name, m] of Object.entries(doc.models)) {
      if (!isMap(m) || typeof m.id !== 'string' || m.maxTokens === undefined) continue;
      const max = PRICE_CATALOG[m.id]?.maxOutput;
      const v = parseCount(m.maxTokens);
      if (max && v.ok && v.value > max.tokens)
        out.push({ path: ['models', name, 'maxTokens'], message: `expected at most ${max.tokens}, the maximum output of ${m.id} (${max.source}), found ${v.value}` });
    }
  }

  // A limit must admit at least one unit per minute after the limiter's safety margin.
  if (isMap(doc.models)) {
    const m = parseRatio(isMap(doc.limiter) ? (doc.limiter.margin ?? 0.9) : 0.9);
    const margin = m.ok ? m.value : 0.9;
    for (const [name, spec] of Object.entries(doc.models)) {
      if (!isMap(spec) || !isMap(spec.limits)) continue;
      for (const kind of ['rpm', 'itpm', 'otpm'] as const) {
        const v = parseCount(spec.limits[kind]);
        if (v.ok && v.value > 0 && v.value * margin < 1)
          out.push({ path: ['models', name, 'limits', kind], message: `expected a limit that admits at least 1 per minute at margin ${margin} (at least ${Math.ceil(1 / margin)}), found ${v.value}` });
      }
    }
  }

  // Router references.
  const router = doc.router;
  if (isMap(router)) {
    if (typeof router.default === 'string') model(['router', 'default'], router.default);
    if (isMap(router.default)) for (const k of Object.keys(router.default)) model(['router', 'default', k], k, true);
    if (Array.isArray(router.rules)) {
      router.rules.forEach((rule, i) => {
        if (!isMap(rule)) return;
        model(['router', 'rules', i, 'use'], rule.use);
        if (isMap(rule.split)) for (const k of Object.keys(rule.split)) model(['router', 'rules', i, 'split', k], k, true);
        const when = rule.when;
        if (isMap(when))
          for (const [lo, hi] of [['minTurn', 'maxTurn'], ['minInputTokens', 'maxInputTokens']] as const) {
            const a = parseCount(when[lo]);
            const b = parseCount(when[hi]);
            if (when[lo] !== undefined && when[hi] !== undefined && a.ok && b.ok && a.value > b.value)
              out.push({ path: ['router', 'rules', i, 'when', hi], message: `expected ${hi} ≥ ${lo} (${a.value}), found ${b.value}: the rule could never match` });
          }
        if (isMap(when) && when.priority !== undefined) {
          const classes = queueClasses(doc);
          const list = Array.isArray(when.priority) ? when.priority : [when.priority];
          list.forEach((p, j) => mustName(out, ['router', 'rules', i, 'when', 'priority', ...(Array.isArray(when.priority) ? [j] : [])], p, classes, 'priority class'));
        }
      });
    }
    if (Array.isArray(router.fallback)) router.fallback.forEach((f, i) => model(['router', 'fallback', i], f));
    for (const splitPath of [['default'], ...((Array.isArray(router.rules) ? router.rules : []).map((_, i) => ['rules', i, 'split']))] as PathSegment[][]) {
      let v: unknown = router;
      for (const s of splitPath) v = isMap(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[s] : undefined;
      if (isMap(v) && !Object.values(v).some((w) => typeof w === 'number' && w > 0))
        out.push({ path: ['router', ...splitPath], message: 'expected a split with at least one weight above 0' });
    }
  }

  // Summaries and faults name models.
  const conv = doc.conversation;
  if (isMap(conv) && isMap(conv.context)) model(['conversation', 'context', 'model'], conv.context.model);
  if (Array.isArray(doc.faults)) doc.faults.forEach((f, i) => isMap(f) && model(['faults', i, 'model'], f.model));

  // Priority mix names queue classes.
  const users = doc.users;
  if (isMap(users) && isMap(users.priorityMix)) {
    const classes = queueClasses(doc);
    for (const k of Object.keys(users.priorityMix)) mustName(out, ['users', 'priorityMix', k], k, classes, 'queue class', true);
    if (!Object.values(users.priorityMix).some((w) => typeof w === 'number' && w > 0))
      out.push({ path: ['users', 'priorityMix'], message: 'expected at least one share above 0' });
  }

  // Warm-up within the run.
  const duration = parseDuration(doc.duration ?? '1h');
  const warmup = parseDuration(doc.warmup ?? '5m');
  if (duration.ok && warmup.ok && warmup.value >= duration.value)
    out.push({ path: [doc.warmup === undefined ? 'duration' : 'warmup'], message: `expected warm-up (${String(doc.warmup ?? '5m')}) shorter than the duration (${String(doc.duration ?? '1h')})` });

  const planning = doc.planning;
  if (isMap(planning) && typeof planning.minWorkers === 'number' && typeof planning.maxWorkers === 'number' && planning.minWorkers > planning.maxWorkers)
    out.push({ path: ['planning', 'maxWorkers'], message: `expected maxWorkers ≥ minWorkers (${planning.minWorkers}), found ${planning.maxWorkers}` });

  return out;
}

function queueClasses(doc: Raw): string[] {
  const q = doc.queue;
  return isMap(q) && isMap(q.classes) ? Object.keys(q.classes) : DEFAULT_CLASSES;
}

const DAY_MS = 86_400_000;

/**
 * Warnings, not errors: a catalog model that the provider retires within 90 days of `today`
 * (YYYY-MM-DD), or has retired already — plans made on it will not hold for long.
 */
export function checkWarnings(doc: unknown, today: string): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isMap(doc) || !isMap(doc.models)) return out;
  const now = Date.parse(`${today}T00:00:00Z`);
  for (const [name, m] of Object.entries(doc.models)) {
    if (!isMap(m) || typeof m.id !== 'string' || (m.price ?? 'catalog') !== 'catalog') continue;
    const retires = PRICE_CATALOG[m.id]?.retiresOn;
    if (!retires) continue;
    const days = Math.round((Date.parse(`${retires}T00:00:00Z`) - now) / DAY_MS);
    if (days > 90) continue;
    out.push({
      path: ['models', name, 'id'],
      message: days < 0 ? `${m.id} was retired on ${retires}` : `${m.id} retires on ${retires} (in ${days} day${days === 1 ? '' : 's'})`,
      hint: 'plan on a current model: the price catalog (src/scenario/price-catalog.ts) lists them with their dates',
    });
  }
  return out;
}
