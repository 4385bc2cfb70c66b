/**
 * The JSON Schema of the report (`schema/report.schema.json`), generated from the zod `ReportSchema` in
 * core/metrics/report.ts so the file cannot say something the code does not (a test checks for drift;
 * `src/report/write-report-schema.ts` regenerates it). Consumers of `--json` / `--out` validate against
 * it; `schemaVersion` says which version they hold.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, ReportSchema } from '../core/metrics/report.js';

export const REPORT_SCHEMA_PATH = fileURLToPath(new URL('../../schema/report.schema.json', import.meta.url));

let cached: Record<string, unknown> | undefined;

export function reportJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...(z.toJSONSchema(ReportSchema, { io: 'output', reused: 'inline' }) as Record<string, unknown>),
    $id: 'https://headroom.dev/schema/report.schema.json',
    title: `Headroom report, version ${REPORT_SCHEMA_VERSION}`,
  };
  return cached;
}
