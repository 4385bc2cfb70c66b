/**
 * How the runtime and the mock provider parse JSON bodies: every key is a plain key, `__proto__` and
 * `constructor` included. Leaf module: imports nothing.
 *
 * Fastify's default (secure-json-parse) refuses a body with a `__proto__` key, or a `constructor` key holding
 * `prototype`, as "not valid JSON". It is valid JSON, and a legitimate client may send it: a tool's
 * `input_schema` describing an object with such a property, a `tool_use` input echoing one, metadata. The
 * alternative, `'remove'`, would drop the key silently: a tool input counted without it, and a turn body with
 * an unknown `__proto__` field accepted as if it were not there.
 *
 * Keeping them is safe because JSON.parse defines every key as an own data property (ECMA-262
 * InternalizeJSONProperty → CreateDataProperty): a `__proto__` key never reaches the `__proto__` setter, so
 * parsing changes no prototype. The danger the default guards against is later code that copies a parsed
 * body with assignment semantics — `Object.assign(target, body)` or a recursive merge, which would run the
 * setter. Neither app does: bodies are validated by their schema (the turn body refuses unknown keys, naming
 * them), then read field by field, spread (`{...x}`, which defines properties too) or serialised.
 * Keep it so; test/integration/runtime-hostile.test.ts checks that Object.prototype stays untouched.
 */
export const PLAIN_JSON_KEYS = { onProtoPoisoning: 'ignore', onConstructorPoisoning: 'ignore' } as const;
