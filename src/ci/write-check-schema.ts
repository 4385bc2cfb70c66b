/** Regenerates schema/ci-check.schema.json from the zod CheckDocumentSchema; a test fails when it drifts. */
import { writeFileSync } from 'node:fs';
import { CHECK_SCHEMA_PATH, checkJsonSchema } from './check-schema.js';

writeFileSync(CHECK_SCHEMA_PATH, `${JSON.stringify(checkJsonSchema(), null, 2)}\n`);
console.log(`wrote ${CHECK_SCHEMA_PATH}`);
