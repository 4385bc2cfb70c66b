/**
 * The JSON Schema of the scenario language, generated from the zod schema (editors with
 * yaml-language-server validate and autocomplete with it; `schema/scenario.schema.json` is checked
 * for drift by a test). Also answers "which keys are allowed here?" for did-you-mean hints.
 */
import { z } from 'zod';
import type { PathSegment } from './problems.js';
import { ScenarioSchema } from './schema.js';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
  [k: string]: unknown;
};

let cached: JsonSchema | undefined;

export function scenarioJsonSchema(): JsonSchema {
  cached ??= {
    ...(z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as JsonSchema),
    $id: 'https://headroom.dev/schema/scenario.schema.json',
    title: 'Headroom scenario',
  };
  return cached;
}

function branches(s: JsonSchema): JsonSchema[] {
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  return alts.length > 0 ? alts.flatMap(branches) : [s];
}

/** Property names allowed at `path` (the union over schema branches). */
export function keysAt(path: readonly PathSegment[]): string[] {
  let nodes: JsonSchema[] = [scenarioJsonSchema()];
  for (const seg of path) {
    const next: JsonSchema[] = [];
    for (const n of nodes.flatMap(branches)) {
      if (typeof seg === 'number' && n.items) next.push(n.items);
      else if (typeof seg === 'string' && n.properties?.[seg]) next.push(n.properties[seg]);
      else if (typeof seg === 'string' && typeof n.additionalProperties === 'object') next.push(n.additionalProperties);
    }
    nodes = next;
  }
  return [...new Set(nodes.flatMap(branches).flatMap((n) => Object.keys(n.properties ?? {})))];
}
