/** Regenerates schema/scenario.schema.json (`npm run schema`); a test fails when it drifts. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from './json-schema.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/scenario.schema.json', import.meta.url));

writeFileSync(SCHEMA_PATH, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
console.log(`wrote ${SCHEMA_PATH}`);
