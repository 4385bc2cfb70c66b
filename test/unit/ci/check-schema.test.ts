/**
 * The JSON Schema of `ci check --json`: the committed file is what the zod CheckDocumentSchema generates
 * (drift check, as for the report's schema), versioned and closed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_SCHEMA_VERSION } from '../../../src/ci/check-document.js';
import { checkJsonSchema } from '../../../src/ci/check-schema.js';

const COMMITTED = 'schema/ci-check.schema.json';

type Node = { [k: string]: unknown; properties?: Record<string, Node>; additionalProperties?: unknown; items?: Node; anyOf?: Node[] };

function objects(n: Node, path = '$'): [string, Node][] {
  const out: [string, Node][] = n.type === 'object' ? [[path, n]] : [];
  for (const [k, v] of Object.entries(n.properties ?? {})) out.push(...objects(v, `${path}.${k}`));
  if (n.items) out.push(...objects(n.items, `${path}[]`));
  for (const a of n.anyOf ?? []) out.push(...objects(a, path));
  return out;
}

describe('ci check JSON Schema', () => {
  it(`${COMMITTED} matches the zod CheckDocumentSchema`, () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as unknown;
    expect(committed, `${COMMITTED} is out of date with src/ci/check-document.ts: run \`npm run schema\` and commit the result`).toEqual(checkJsonSchema());
  });

  it('is versioned, and closed: every object names its keys', () => {
    const schema = checkJsonSchema() as Node;
    expect((schema.properties?.schemaVersion as Node).const).toBe(CHECK_SCHEMA_VERSION);
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'kind', 'pass', 'answer', 'figures']));
    const all = objects(schema);
    expect(all.map(([p]) => p)).toEqual(expect.arrayContaining(['$', '$.baseline', '$.current', '$.figures[]']));
    for (const [path, node] of all) expect(node.additionalProperties, path).toBe(false);
  });
});
