/**
 * The JSON Schema of `ci check`'s result (`schema/ci-check.schema.json`), generated from the zod
 * CheckDocumentSchema (ci/check-document.ts) so the file cannot say something the code does not (a test
 * checks for drift; `src/ci/write-check-schema.ts` regenerates it).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CHECK_SCHEMA_VERSION, CheckDocumentSchema } from './check-document.js';

export const CHECK_SCHEMA_PATH = fileURLToPath(new URL('../../schema/ci-check.schema.json', import.meta.url));

export function checkJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(CheckDocumentSchema, { io: 'output', reused: 'inline' }) as Record<string, unknown>),
    $id: 'https://headroom.dev/schema/ci-check.schema.json',
    title: `Headroom ci check result, version ${CHECK_SCHEMA_VERSION}`,
  };
}
