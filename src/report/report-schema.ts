/**
 * The JSON Schemas of what `--json` / `--out` write, generated from their zod schemas so a file cannot
 * say something the code does not (a test checks for drift; `src/report/write-report-schema.ts`
 * regenerates them): the report (`schema/report.schema.json`, from `ReportSchema` in
 * core/metrics/report.ts), and the documents of `sim plan` and `sim compare`, which embed reports as a
 * `$ref` to it rather than a copy. Consumers validate against them; `schemaVersion` says which version
 * they hold.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, ReportSchema } from '../core/metrics/report.js';
import { COMPARE_SCHEMA_VERSION, CompareSchema } from '../sim/compare-schema.js';
import { PLAN_SCHEMA_VERSION, PlanSchema } from '../sim/plan-schema.js';

const schemaPath = (name: string) => fileURLToPath(new URL(`../../schema/${name}.schema.json`, import.meta.url));

export const REPORT_SCHEMA_PATH = schemaPath('report');
export const PLAN_SCHEMA_PATH = schemaPath('plan');
export const COMPARE_SCHEMA_PATH = schemaPath('compare');

/** Resolves against the $id of the plan and compare schemas to the report schema's $id. */
const REPORT_REF = 'report.schema.json';

const cached = new Map<string, Record<string, unknown>>();

function generate(name: string, schema: z.ZodType, title: string): Record<string, unknown> {
  let s = cached.get(name);
  if (!s) {
    const json = z.toJSONSchema(schema, {
      io: 'output',
      reused: 'inline',
      // An embedded report is the report schema's business: referred to, not copied (65 KB each time).
      override: (ctx) => {
        if (schema === ReportSchema || ctx.zodSchema !== ReportSchema) return;
        const node = ctx.jsonSchema as Record<string, unknown>;
        for (const k of Object.keys(node)) delete node[k];
        node.$ref = REPORT_REF;
      },
    }) as Record<string, unknown>;
    s = { ...json, $id: `https://headroom.dev/schema/${name}.schema.json`, title };
    cached.set(name, s);
  }
  return s;
}

export const reportJsonSchema = (): Record<string, unknown> => generate('report', ReportSchema, `Headroom report, version ${REPORT_SCHEMA_VERSION}`);
export const planJsonSchema = (): Record<string, unknown> => generate('plan', PlanSchema, `Headroom capacity plan (sim plan), version ${PLAN_SCHEMA_VERSION}`);
export const compareJsonSchema = (): Record<string, unknown> => generate('compare', CompareSchema, `Headroom comparison (sim compare), version ${COMPARE_SCHEMA_VERSION}`);
