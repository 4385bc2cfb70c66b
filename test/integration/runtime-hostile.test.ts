/**
 * Hostile input battery for the live runtime ("Live runtime", item 6): the gateway runs in this process
 * (createRuntime + buildApp on 127.0.0.1:0, a fake provider), and a table of malformed and hostile
 * requests goes over real HTTP — undici for well-formed HTTP with bad contents, a raw socket for
 * requests that are malformed at the HTTP level (request line, headers, framing). Each must get its
 * exact 4xx with a JSON error body in the runtime's shape (`{ error: { type, message, field? } }`, or
 * Anthropic's `{ type: 'error', error: { type, message } }` from the pass-through's own checks) naming the
 * field where there is one, and no stack trace anywhere. Afterwards the server must be healthy and, since
 * it shares our process, `Object.prototype` must be untouched.
 */
import { connect } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeEnv } from '../../src/core/pipeline/env.js';
import type { ProviderResult } from '../../src/core/provider-model.js';
import { buildApp } from '../../src/runtime/app.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';

const YAML = `
name: hostile
users: { dailyActive: 100, concurrencyRatio: 10% }
conversation: { tokens: { systemPrompt: 50, output: 20 } }
models:
  m: { id: claude-test-m, price: { input: $3/Mtok, output: $15/Mtok } }
workers: { count: 1, concurrency: 8 }
`;
const KEY = 'test-key-7c1f';
const AUTH = { authorization: `Bearer ${KEY}` };
const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' };
const UUID = '3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function scenarioOf(yaml: string): Scenario {
  const r = parseScenario(yaml, 'hostile.yaml');
  if (!r.scenario) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.scenario;
}

/** Answers at once, except that a session whose id starts with "busy" waits for `releaseBusy()`. */
function fakeProvider() {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const busyEntered = new Promise<void>((r) => (entered = r));
  const provider: RealtimeEnv['provider'] = {
    async call(req): Promise<ProviderResult> {
      if (req.requestKey.startsWith('sbusy')) {
        entered();
        await gate;
      }
      return { ok: true, usage: { inputTokens: 60, outputTokens: req.outputTokens, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, ttftMs: 1, stopReason: 'end_turn' };
    },
  };
  return { provider, releaseBusy: () => release(), busyEntered };
}

async function start(opts: Parameters<typeof buildApp>[1]) {
  const fake = fakeProvider();
  const rt = createRuntime({ scenario: scenarioOf(YAML), provider: fake.provider, texts: new MemoryTextStore() });
  const app = await buildApp(rt, opts);
  const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, port: Number(new URL(url).port), ...fake };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request over a raw socket, exactly as written; the server closes (Connection: close or an error). */
function rawRequest(port: number, bytes: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`no answer to raw request ${JSON.stringify(bytes.slice(0, 80))}`))), 5000);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', () => undefined); // a reset after the answer is fine; no answer fails by timeout
    sock.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const head = all.slice(0, all.indexOf('\r\n\r\n'));
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
      if (!m) return reject(new Error(`no HTTP answer to raw request ${JSON.stringify(bytes.slice(0, 80))}: ${JSON.stringify(all.slice(0, 200))}`));
      resolve({ status: Number(m[1]), headers, text: Buffer.from(all.slice(head.length + 4), 'latin1').toString('utf8') });
    });
    sock.write(bytes, 'latin1');
  });
}

/** A well-formed raw request (for targets and headers undici will not send): Host, Content-Length and Connection: close added. */
function raw(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const h = { host: '127.0.0.1', ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}), connection: 'close' };
  return `${method} ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

const turnJson = (body: unknown) => JSON.stringify(body);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const turnPath = (id: string) => `/v1/sessions/${id}/turns`;
const msg = (extra: Record<string, unknown>) => JSON.stringify({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }], ...extra });
const nestedToolResult = (n: number) => '[{"type":"tool_result","content":'.repeat(n) + '"x"' + '}]'.repeat(n);

interface Case {
  name: string;
  /** Over undici: method, path, headers, body (a string, sent as is). */
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Over a raw socket instead: the bytes to send. */
  raw?: string;
  status: number;
  /** error.field, when the failure is about one field. */
  field?: string;
  /** error.type, when it matters. */
  type?: string;
  /** Something error.message must contain (e.g. the content block at fault). */
  mentions?: string;
  /** Response headers that must not appear (injection attempts). */
  absentHeaders?: string[];
}

const TURN = turnPath('s-hostile');
const post = (body: string, field?: string, extra: Partial<Case> = {}): Omit<Case, 'name'> => ({ method: 'POST', path: TURN, headers: JSON_AUTH, body, status: 400, ...(field ? { field } : {}), ...extra });
const plan = (p: unknown, field: string) => post(turnJson({ message: 'hi', plan: p }), field);
const call = (c: Record<string, unknown>, field: string) => plan({ calls: [c] }, field);

const CASES: Case[] = [
  // ---- the body is not a JSON object ----
  { name: 'invalid JSON', ...post('{"message": "hi"', 'body'), type: 'invalid_request' },
  { name: 'JSON followed by garbage', ...post('{"message":"hi"} trailing', 'body') },
  { name: 'empty body with content-type json', ...post('', 'body') },
  { name: 'JSON array instead of an object', ...post('[{"message":"hi"}]', 'body') },
  { name: 'JSON null', ...post('null', 'body') },
  { name: 'JSON number', ...post('42', 'body') },
  { name: 'JSON string', ...post('"hi"', 'body') },
  { name: 'empty object: no message', ...post('{}', 'body.message') },
  // ---- wrong types and values in the turn body ----
  { name: 'message is a number', ...post(turnJson({ message: 42 }), 'body.message') },
  { name: 'message is null', ...post(turnJson({ message: null }), 'body.message') },
  { name: 'message is an object 10k levels deep', ...post(`{"message":${deepObject(10_000)}}`, 'body.message') },
  { name: 'message longer than 200k characters', ...post(turnJson({ message: 'x'.repeat(200_001) }), 'body.message') },
  // The refusal says what would do: it said "must be equal to one of the allowed values", not which.
  { name: 'priority is not a queue class', ...post(turnJson({ message: 'hi', priority: 'urgent' }), 'body.priority', { mentions: 'expected one of "interactive", "standard", "batch", found "urgent"' }) },
  // Both asked for: the turn was queued as a task and the stream silently dropped.
  { name: 'async and stream both true', ...post(turnJson({ message: 'hi', async: true, stream: true }), 'body.stream', { mentions: 'async' }) },
  { name: 'priority __proto__', ...post(turnJson({ message: 'hi', priority: '__proto__' }), 'body.priority') },
  { name: 'priority is a number', ...post(turnJson({ message: 'hi', priority: 0 }), 'body.priority') },
  { name: 'async as a string', ...post(turnJson({ message: 'hi', async: 'true' }), 'body.async') },
  { name: 'stream as a string', ...post(turnJson({ message: 'hi', stream: 'yes' }), 'body.stream') },
  { name: 'end as a number', ...post(turnJson({ message: 'hi', end: 1 }), 'body.end') },
  { name: 'unknown top-level field', ...post(turnJson({ message: 'hi', admin: true }), 'body.admin') },
  // ---- the replay plan ----
  { name: 'plan is a string', ...plan('all of it', 'body.plan') },
  { name: 'plan is an array', ...plan([1], 'body.plan') },
  { name: 'plan.turn 0', ...plan({ turn: 0 }, 'body.plan.turn') },
  { name: 'plan.turn negative', ...plan({ turn: -3 }, 'body.plan.turn') },
  { name: 'plan.turn float', ...plan({ turn: 1.5 }, 'body.plan.turn') },
  { name: 'plan.turn as a string', ...plan({ turn: '1' }, 'body.plan.turn') },
  { name: 'plan.userTokens 0', ...plan({ userTokens: 0 }, 'body.plan.userTokens') },
  { name: 'plan.userTokens 1e12', ...plan({ userTokens: 1e12 }, 'body.plan.userTokens') },
  { name: 'plan.promptKey empty', ...plan({ promptKey: '' }, 'body.plan.promptKey') },
  { name: 'plan.promptKey a number', ...plan({ promptKey: 7 }, 'body.plan.promptKey') },
  { name: 'unknown plan field', ...plan({ turn: 1, bogus: 1 }, 'body.plan.bogus') },
  { name: 'plan 10k levels deep', ...post(`{"message":"hi","plan":${deepObject(10_000)}}`, 'body.plan.a') },
  { name: 'plan.calls an object', ...plan({ calls: { outputTokens: 5 } }, 'body.plan.calls') },
  { name: 'plan.calls empty', ...plan({ calls: [] }, 'body.plan.calls') },
  { name: 'plan.calls over 1000 calls', ...plan({ calls: Array.from({ length: 1001 }, () => ({ outputTokens: 1 })) }, 'body.plan.calls') },
  { name: 'call without outputTokens', ...call({}, 'body.plan.calls.0.outputTokens') },
  { name: 'call outputTokens 1e12', ...call({ outputTokens: 1e12 }, 'body.plan.calls.0.outputTokens') },
  { name: 'call outputTokens 0', ...call({ outputTokens: 0 }, 'body.plan.calls.0.outputTokens') },
  { name: 'call outputTokens float', ...call({ outputTokens: 2.5 }, 'body.plan.calls.0.outputTokens') },
  { name: 'call toolLatencyMs -1', ...call({ outputTokens: 5, toolLatencyMs: -1 }, 'body.plan.calls.0.toolLatencyMs') },
  { name: 'call toolLatencyMs 1e400 (Infinity)', ...post('{"message":"hi","plan":{"calls":[{"outputTokens":5,"toolLatencyMs":1e400}]}}', 'body.plan.calls.0.toolLatencyMs') },
  { name: 'call toolResultTokens float', ...call({ outputTokens: 5, toolResultTokens: 0.5 }, 'body.plan.calls.0.toolResultTokens') },
  { name: 'unknown call field', ...call({ outputTokens: 5, model: 'opus' }, 'body.plan.calls.0.model') },
  // ---- prototype pollution ----
  // A `__proto__` or `constructor` key is legal JSON and is parsed as a plain key (JSON.parse semantics: an
  // own property, no prototype changed); the turn body takes no such field, so it is refused by name like any
  // unknown field — it was "body is not valid JSON". /v1/messages takes such keys: see below.
  { name: '__proto__ key at the top', ...post('{"message":"hi","__proto__":{"polluted":"yes"}}', 'body.__proto__', { mentions: 'unknown field "__proto__"' }) },
  { name: '__proto__ key inside plan', ...post('{"message":"hi","plan":{"__proto__":{"polluted":"yes"}}}', 'body.plan.__proto__', { mentions: 'unknown field "__proto__"' }) },
  { name: 'constructor.prototype key', ...post('{"message":"hi","constructor":{"prototype":{"polluted":"yes"}}}', 'body.constructor', { mentions: 'unknown field "constructor"' }) },
  // ---- size and media type ----
  { name: 'body over the body limit (2 MiB)', ...post(turnJson({ message: 'x'.repeat(2 * 1024 * 1024) }), undefined, { status: 413, type: 'request_too_large' }) },
  { name: 'content-type text/plain', method: 'POST', path: TURN, headers: { ...AUTH, 'content-type': 'text/plain' }, body: '{"message":"hi"}', status: 415, type: 'unsupported_media_type' },
  { name: 'content-type application/xml', method: 'POST', path: TURN, headers: { ...AUTH, 'content-type': 'application/xml' }, body: '<message>hi</message>', status: 415 },
  { name: 'a body without content-type', raw: raw('POST', TURN, AUTH, '{"message":"hi"}'), status: 415 },
  // ---- ids in the path ----
  { name: 'session id of 129 characters', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('a'.repeat(129)) }) },
  { name: 'session id over the router limit (300 characters)', ...post(turnJson({ message: 'hi' }), 'params', { path: turnPath('a'.repeat(300)), status: 414 }) },
  { name: 'session id with $', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('a$b') }) },
  { name: 'session id with a space', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('a%20b') }) },
  { name: 'session id with a NUL', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('a%00b') }) },
  { name: 'session id with non-ASCII', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('%E2%98%83') }) },
  { name: 'session id: URL-encoded traversal', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('..%2F..%2Fetc%2Fpasswd') }) },
  { name: 'session id: double-encoded traversal', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('..%252F..%252Fetc%252Fpasswd') }) },
  { name: 'session id: raw traversal', raw: raw('POST', '/v1/sessions/../../etc/passwd/turns', { ...JSON_AUTH }, '{"message":"hi"}'), status: 404, type: 'not_found' },
  // A session of its own: the turn that failed stays in its conversation.
  { name: 'a prompt longer than the model\'s context window (200k)', ...post(turnJson({ plan: { userTokens: 250_000 } }), undefined, { path: turnPath('s-too-long') }), type: 'invalid_request', mentions: 'context window' },
  { name: 'session id: encoded CRLF + Set-Cookie', ...post(turnJson({ message: 'hi' }), 'params.id', { path: turnPath('x%0D%0ASet-Cookie:%20pwned=1'), absentHeaders: ['set-cookie'] }) },
  { name: 'session id: bad percent-encoding', ...post(turnJson({ message: 'hi' }), 'url', { path: turnPath('%zz') }) },
  { name: 'DELETE a session with a bad id', method: 'DELETE', path: '/v1/sessions/a$b', headers: AUTH, status: 400, field: 'params.id' },
  { name: 'task id not a UUID', method: 'GET', path: '/v1/tasks/not-a-uuid', headers: AUTH, status: 400, field: 'params.id' },
  { name: 'task id __proto__', method: 'GET', path: '/v1/tasks/__proto__', headers: AUTH, status: 400, field: 'params.id' },
  { name: 'task id: encoded traversal', method: 'GET', path: '/v1/tasks/..%2F..%2F..%2Fetc%2Fpasswd', headers: AUTH, status: 400, field: 'params.id' },
  { name: 'unknown task (a UUID)', method: 'GET', path: `/v1/tasks/${UUID}`, headers: AUTH, status: 404, type: 'not_found' },
  // ---- routes and methods ----
  { name: 'GET on the turns route', method: 'GET', path: TURN, headers: AUTH, status: 404, type: 'not_found' },
  { name: 'PUT /v1/messages', method: 'PUT', path: '/v1/messages', headers: JSON_AUTH, body: msg({}), status: 404, type: 'not_found' },
  { name: 'DELETE a task', method: 'DELETE', path: `/v1/tasks/${UUID}`, headers: AUTH, status: 404, type: 'not_found' },
  { name: 'POST /healthz', method: 'POST', path: '/healthz', headers: { 'content-type': 'application/json' }, body: '{}', status: 404, type: 'not_found' },
  { name: 'unknown route under /v1', method: 'GET', path: '/v1/admin/users', headers: AUTH, status: 404, type: 'not_found' },
  { name: 'unknown route', method: 'GET', path: '/.env', status: 404, type: 'not_found' },
  // ---- authentication (API keys are on) ----
  { name: 'no API key', method: 'POST', path: TURN, headers: { 'content-type': 'application/json' }, body: turnJson({ message: 'hi' }), status: 401, type: 'unauthorized' },
  { name: 'Basic scheme', method: 'POST', path: TURN, headers: { authorization: `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}`, 'content-type': 'application/json' }, body: turnJson({ message: 'hi' }), status: 401 },
  { name: 'empty bearer', raw: raw('POST', TURN, { authorization: 'Bearer ', 'content-type': 'application/json' }, '{"message":"hi"}'), status: 401 },
  { name: 'wrong bearer key', method: 'GET', path: `/v1/tasks/${UUID}`, headers: { authorization: 'Bearer not-the-key' }, status: 401 },
  { name: 'key with trailing junk', method: 'GET', path: `/v1/tasks/${UUID}`, headers: { authorization: `Bearer ${KEY} x` }, status: 401 },
  { name: 'wrong x-api-key', method: 'GET', path: `/v1/tasks/${UUID}`, headers: { 'x-api-key': 'nope' }, status: 401 },
  { name: 'no key, bad body: auth is checked first', method: 'POST', path: TURN, headers: { 'content-type': 'application/json' }, body: '{not json', status: 401 },
  { name: 'no key, absolute-form request target', raw: raw('POST', `http://127.0.0.1${TURN}`, { 'content-type': 'application/json' }, '{"message":"hi"}'), status: 401 },
  // ---- /v1/messages (Anthropic-compatible) ----
  { name: 'messages: model missing', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: JSON.stringify({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), status: 400, field: 'body.model' },
  { name: 'messages: model empty', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ model: '' }), status: 400, field: 'body.model' },
  { name: 'messages: messages missing', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: JSON.stringify({ model: 'm', max_tokens: 5 }), status: 400, field: 'body.messages' },
  { name: 'messages: messages empty', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ messages: [] }), status: 400, field: 'body.messages' },
  { name: 'messages: max_tokens 0', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ max_tokens: 0 }), status: 400, field: 'body.max_tokens' },
  { name: 'messages: max_tokens as a string', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ max_tokens: '5' }), status: 400, field: 'body.max_tokens' },
  { name: 'messages: role system in messages', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ messages: [{ role: 'system', content: 'x' }] }), status: 400, field: 'body.messages.0.role' },
  { name: 'messages: stream as a string', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ stream: 'true' }), status: 400, field: 'body.stream' },
  {
    name: 'messages: an image block',
    method: 'POST', path: '/v1/messages', headers: JSON_AUTH,
    body: msg({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] }),
    status: 400, type: 'invalid_request_error', mentions: 'messages[0].content[1]', field: 'body.messages.0.content.1',
  },
  // A text block without its text was read as empty text (Anthropic refuses it: "…text: Field required").
  { name: 'messages: a text block without text', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }), status: 400, field: 'body.messages.0.content.0.text', mentions: 'messages[0].content[0].text: Field required' },
  { name: 'messages: a system text block without text', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ system: [{ type: 'text' }] }), status: 400, field: 'body.system.0.text', mentions: 'system[0].text: Field required' },
  { name: 'messages: role not user or assistant', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ messages: [{ role: 'tool', content: 'x' }] }), status: 400, field: 'body.messages.0.role', mentions: 'expected one of "user", "assistant", found "tool"' },
  { name: 'messages: last message from the assistant', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }), status: 400, mentions: 'last message', field: 'body.messages' },
  { name: 'messages: tool_result content a number', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: msg({ messages: [{ role: 'user', content: [{ type: 'tool_result', content: 5 }] }] }), status: 400, mentions: 'messages[0].content[0].content' },
  { name: 'messages: tool_result nested 10k deep', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":${nestedToolResult(10_000)}}]}`, status: 400, mentions: 'nested' },
  { name: 'messages: 10k-deep arrays as the body', method: 'POST', path: '/v1/messages', headers: JSON_AUTH, body: deepArray(10_000), status: 400, field: 'body' },
  // ---- malformed HTTP (raw socket) ----
  { name: 'garbage request line', raw: 'GARBAGE\r\n\r\n', status: 400 },
  { name: 'unknown HTTP version', raw: 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', status: 400 },
  { name: 'header line without a colon', raw: 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', status: 400 },
  { name: 'CR injected into a header value', raw: 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rSet-Cookie: pwned=1\r\n\r\n', status: 400, absentHeaders: ['set-cookie'] },
  { name: 'LF injected into a header value (obs-fold)', raw: 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\n Set-Cookie: pwned=1\r\n\r\n', status: 400, absentHeaders: ['set-cookie'] },
  { name: 'NUL in a header value', raw: 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', status: 400 },
  { name: 'headers over 16 KiB', raw: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, type: 'headers_too_large' },
  { name: 'Content-Length and Transfer-Encoding (smuggling)', raw: `POST ${TURN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
  { name: 'Content-Length not a number', raw: `POST ${TURN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`, status: 400 },
  { name: 'two different Content-Lengths', raw: `POST ${TURN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, status: 400 },
];

const STACK = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\.[cm]?[jt]s:\d+/;

let server: Awaited<ReturnType<typeof start>>;
let prototypeKeys: string[];
beforeAll(async () => {
  prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  server = await start({ apiKeys: [KEY] });
});
afterAll(async () => {
  server?.releaseBusy();
  await server?.app.app.close();
});

async function send(c: Case): Promise<Answer> {
  if (c.raw !== undefined) return rawRequest(server.port, c.raw);
  const res = await request(`${server.url}${c.path!}`, { method: (c.method ?? 'GET') as Dispatcher.HttpMethod, headers: c.headers ?? {}, ...(c.body !== undefined ? { body: c.body } : {}) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('runtime: hostile input', () => {
  it('has a table of at least 35 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(35));

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await send(c);
    expect(r.status, r.text.slice(0, 300)).toBe(c.status);
    expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
    const body = JSON.parse(r.text) as { type?: string; error: { type: string; message: string; field?: string } };
    expect(typeof body.error.type).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
    if (c.field !== undefined) expect(body.error.field).toBe(c.field);
    if (c.type !== undefined) expect(body.error.type).toBe(c.type);
    if (c.mentions !== undefined) expect(body.error.message).toContain(c.mentions);
    expect(r.text).not.toMatch(STACK);
    expect(r.text.length).toBeLessThan(2_000); // errors name the problem; they do not echo huge inputs
    for (const h of c.absentHeaders ?? []) expect(r.headers[h]).toBeUndefined();
  });

  it('409 for a second turn while the session has one running', async () => {
    const first = request(`${server.url}${turnPath('busy-1')}`, { method: 'POST', headers: JSON_AUTH, body: turnJson({ message: 'first' }) });
    await server.busyEntered;
    const second = await request(`${server.url}${turnPath('busy-1')}`, { method: 'POST', headers: JSON_AUTH, body: turnJson({ message: 'second' }) });
    const body = (await second.body.json()) as { error: { type: string } };
    expect(second.statusCode).toBe(409);
    expect(body.error.type).toBe('conflict');
    server.releaseBusy();
    const done = await first;
    expect(done.statusCode).toBe(200);
    await done.body.text();
  });

  it('429 with Retry-After past the per-client rate', async () => {
    const limited = await start({ apiKeys: [KEY], clientRpm: 3 });
    try {
      const statuses: number[] = [];
      let last: Answer | undefined;
      for (let i = 0; i < 4; i++) {
        const res = await request(`${limited.url}/v1/tasks/${UUID}`, { headers: AUTH });
        last = { status: res.statusCode, headers: res.headers, text: await res.body.text() };
        statuses.push(res.statusCode);
      }
      expect(statuses).toEqual([404, 404, 404, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(last!.text).error.type).toBe('rate_limited');
    } finally {
      await limited.app.app.close();
    }
  });

  // Where the Messages API takes keys of the client's choosing (metadata, a tool's input_schema, fields the
  // pass-through does not read), `__proto__` and `constructor` are keys like any other: served, not refused as
  // "not valid JSON" (Fastify's default), and not stripped. The last test checks that nothing was polluted.
  it.each([
    ['in a message object', '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x","__proto__":{"polluted":"yes"}}]}'],
    ['in a text block', '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"x","__proto__":{"polluted":"yes"}}]}]}'],
    ['in metadata', '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"user_id":"u","__proto__":{"polluted":"yes"}}}'],
    ['as a property of a tool input_schema', '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"t","input_schema":{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"string"}}}}]}'],
    ['constructor.prototype in metadata', '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"constructor":{"prototype":{"polluted":"yes"}}}}'],
  ])('/v1/messages serves a body with a __proto__ or constructor key %s', async (_where, body) => {
    const res = await request(`${server.url}/v1/messages`, { method: 'POST', headers: JSON_AUTH, body });
    const text = await res.body.text();
    expect(res.statusCode, text.slice(0, 300)).toBe(200);
    expect((JSON.parse(text) as { type: string }).type).toBe('message');
  });

  it('session ids named like Object.prototype members are plain ids', async () => {
    for (const id of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      const res = await request(`${server.url}${turnPath(id)}`, { method: 'POST', headers: JSON_AUTH, body: turnJson({ message: 'hi' }) });
      const body = (await res.body.json()) as { sessionId: string; turn: number };
      expect(res.statusCode, id).toBe(200);
      expect(body).toMatchObject({ sessionId: id, turn: 1 });
    }
  });

  it('is healthy afterwards, and nothing polluted Object.prototype', async () => {
    const health = await request(`${server.url}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ ok: true });

    const turn = await request(`${server.url}${turnPath('after-the-storm')}`, { method: 'POST', headers: JSON_AUTH, body: turnJson({ message: 'still there?' }) });
    const t = (await turn.body.json()) as { status: string; turn: number; usage: { outputTokens: number } };
    expect(turn.statusCode).toBe(200);
    expect(t).toMatchObject({ status: 'ok', turn: 1 });
    expect(t.usage.outputTokens).toBeGreaterThan(0);

    const pass = await request(`${server.url}/v1/messages`, { method: 'POST', headers: JSON_AUTH, body: msg({ messages: [{ role: 'user', content: [{ type: 'text', text: 'fine' }] }] }) });
    expect(pass.statusCode).toBe(200);
    expect(((await pass.body.json()) as { type: string }).type).toBe('message');

    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.statusCode).toBe(200);
    expect(await metrics.body.text()).toMatch(/^# HELP /m);

    const stats = await request(`${server.url}/v1/stats`, { headers: AUTH });
    expect(stats.statusCode).toBe(200);
    await stats.body.json();

    // The server runs in this process: a successful pollution would show here.
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  });
});
