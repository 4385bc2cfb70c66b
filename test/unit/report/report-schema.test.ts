/**
 * The report's JSON Schema: the committed file is what the zod ReportSchema generates (drift check),
 * it is closed (every object lists its keys), and real simulated reports — as written to JSON — pass
 * the schema strictly, so a field added to the builder but not to the schema fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATENCY_METRICS, REPORT_SCHEMA_VERSION, ReportSchema } from '../../../src/core/metrics/report.js';
import { compareJsonSchema, planJsonSchema, reportJsonSchema } from '../../../src/report/report-schema.js';
import { realReport, viaJson } from './fixture.js';

const COMMITTED = 'schema/report.schema.json';

// Reports read back from JSON, mutated freely to break one rule at a time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

type Node = { [k: string]: unknown; properties?: Record<string, Node>; additionalProperties?: unknown; items?: Node; anyOf?: Node[] };

/** Every object schema in the tree, with its dot-path. */
function objects(n: Node, path = '$'): [string, Node][] {
  const out: [string, Node][] = n.type === 'object' ? [[path, n]] : [];
  for (const [k, v] of Object.entries(n.properties ?? {})) out.push(...objects(v, `${path}.${k}`));
  if (typeof n.additionalProperties === 'object' && n.additionalProperties) out.push(...objects(n.additionalProperties as Node, `${path}.*`));
  if (n.items) out.push(...objects(n.items, `${path}[]`));
  for (const a of n.anyOf ?? []) out.push(...objects(a, path));
  return out;
}

describe('report JSON Schema', () => {
  it(`${COMMITTED} matches the zod ReportSchema`, () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as unknown;
    expect(committed, `${COMMITTED} is out of date with src/core/metrics/report.ts: run \`npx tsx src/report/write-report-schema.ts\` and commit the result`).toEqual(reportJsonSchema());
  });

  // The documents of `sim plan` and `sim compare` embed reports by reference, not by copy.
  it.each([
    ['schema/plan.schema.json', planJsonSchema, ['report']],
    ['schema/compare.schema.json', compareJsonSchema, ['variants', 'report']],
  ] as const)('%s matches its zod schema and refers to the report schema', (file, generate, reportAt) => {
    const committed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    expect(committed, `${file} is out of date with its zod schema (src/sim/): run \`npm run schema\` and commit the result`).toEqual(generate());
    let node = generate() as Node;
    for (const key of reportAt) node = key === 'variants' ? (node.properties!.variants!.items as Node) : node.properties![key]!;
    expect(node).toEqual({ $ref: 'report.schema.json' });
    expect(new URL(node.$ref as string, generate().$id as string).href).toBe(reportJsonSchema().$id);
  });

  it('is versioned and closed: every object names its keys or types its values', () => {
    const schema = reportJsonSchema() as Node;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect((schema.properties?.schemaVersion as Node).const).toBe(REPORT_SCHEMA_VERSION);
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'answer', 'latency', 'capacity', 'limits', 'cost', 'slo']));
    for (const [path, node] of objects(schema)) {
      if (node.properties) expect(node.additionalProperties, path).toBe(false);
      else expect(typeof node.additionalProperties, `${path} is a record with typed values`).toBe('object');
    }
  });

  it('tells the reader what each section means, and the unit of every duration and amount', () => {
    const schema = reportJsonSchema() as Node;
    for (const [key, node] of Object.entries(schema.properties ?? {})) expect(node.description, `$.${key}`).toEqual(expect.any(String));
    const leaves = (n: Node, path: string): [string, Node][] =>
      n.properties ? Object.entries(n.properties).flatMap(([k, v]) => leaves(v, `${path}.${k}`)) : [[path, n]];
    for (const [path, node] of leaves(schema, '$')) {
      if (/Ms$/.test(path) && !path.includes('series')) expect(node.description, path).toMatch(/ms/);
      if (/(usd|Usd)$/.test(path)) expect(node.description, path).toMatch(/USD/);
    }
  });
});

describe('ReportSchema on real reports', () => {
  it.each(['support-agent', 'research-agent'] as const)('a simulated %s report, as JSON, parses strictly', async (name) => {
    const json = viaJson(await realReport(name));
    const parsed = ReportSchema.safeParse(json);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 5), null, 2)).toBe(true);
    expect(parsed.data).toEqual(json);
  });

  it('has every latency metric and its histogram', async () => {
    const r = await realReport('support-agent');
    expect(Object.keys(r.latency).sort()).toEqual([...LATENCY_METRICS].sort());
    expect(Object.keys(r.histograms).sort()).toEqual([...LATENCY_METRICS].sort());
  });

  const mutations: [string, (r: Loose) => void][] = [
    ['an unknown top-level key', (r) => (r.extra = 1)],
    ['an unknown nested key', (r) => (r.capacity.workersWanted = 3)],
    ['an unknown key in a record value', (r) => (r.cost.byModel.sonnet.discount = 0)],
    ['an unknown limit kind', (r) => (r.limits.byModel.sonnet.tpd = r.limits.byModel.sonnet.rpm)],
    ['an unknown latency metric', (r) => (r.latency.think = r.latency.turn)],
    ['a missing field', (r) => delete r.cost.perDayUsd],
    ['another schema version', (r) => (r.schemaVersion = REPORT_SCHEMA_VERSION + 1)],
    ['NaN written as null', (r) => (r.littlesLaw.relativeError = null)],
    ['a fractional count', (r) => (r.turns.arrived += 0.5)],
    ['a negative duration', (r) => (r.latency.turn.p95 = -1)],
  ];
  it.each(mutations)('rejects %s', async (_what, mutate) => {
    const json = viaJson(await realReport('support-agent')) as Loose;
    mutate(json);
    expect(ReportSchema.safeParse(json).success).toBe(false);
  });
});
