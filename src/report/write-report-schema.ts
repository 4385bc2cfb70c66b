/** Regenerates schema/report.schema.json from the zod ReportSchema; a test fails when it drifts. */
import { writeFileSync } from 'node:fs';
import { REPORT_SCHEMA_PATH, reportJsonSchema } from './report-schema.js';

writeFileSync(REPORT_SCHEMA_PATH, `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
console.log(`wrote ${REPORT_SCHEMA_PATH}`);
