/** Regenerates schema/report.schema.json and plan.schema.json from their zod schemas; a test fails when one drifts. */
import { writeFileSync } from 'node:fs';
import { PLAN_SCHEMA_PATH, planJsonSchema, REPORT_SCHEMA_PATH, reportJsonSchema } from './report-schema.js';

for (const [path, schema] of [
  [REPORT_SCHEMA_PATH, reportJsonSchema()],
  [PLAN_SCHEMA_PATH, planJsonSchema()],
] as const) {
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
