/** Regenerates schema/report.schema.json, plan.schema.json and compare.schema.json from their zod schemas; a test fails when one drifts. */
import { writeFileSync } from 'node:fs';
import { COMPARE_SCHEMA_PATH, compareJsonSchema, PLAN_SCHEMA_PATH, planJsonSchema, REPORT_SCHEMA_PATH, reportJsonSchema } from './report-schema.js';

for (const [path, schema] of [
  [REPORT_SCHEMA_PATH, reportJsonSchema()],
  [PLAN_SCHEMA_PATH, planJsonSchema()],
  [COMPARE_SCHEMA_PATH, compareJsonSchema()],
] as const) {
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
