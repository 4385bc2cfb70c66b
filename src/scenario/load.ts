/**
 * Scenario loading: read → YAML (with source positions) → schema → cross-field rules → normalise,
 * returning `{ scenario, problems, warnings }` with *every* problem located at file:line:column.
 *
 * Hostile input is bounded before it costs anything: files over MAX_FILE_BYTES are refused unread,
 * and YAML alias expansion is capped (billion-laughs documents fail with a located error).
 */
import { readFile, stat } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import { ErrorCode, HeadroomError } from '../errors.js';
import { explainIssues, type PathProblem } from './issues.js';
import { keysAt } from './json-schema.js';
import { formatPath, formatProblem, type PathSegment, type Problem } from './problems.js';
import { checkRules, checkWarnings } from './rules.js';
import { normalise, ScenarioSchema, type Scenario } from './schema.js';

/** Scenario files are a few KB; anything this large is a mistake or an attack. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 200;

export interface LoadResult {
  scenario?: Scenario;
  problems: Problem[];
  warnings: Problem[];
}

export interface LoadOptions {
  /** `key.path=value` overrides (from `--set`), applied before validation; values are YAML scalars. */
  overrides?: readonly string[];
  /** The date warnings are judged against (YYYY-MM-DD); default today (UTC). */
  today?: string;
  /** Receives warnings (e.g. a model retiring soon) when loading succeeds. */
  onWarning?: (w: Problem) => void;
}

interface Located {
  line: number;
  column: number;
}

/** Finds the node for a path, or the deepest existing ancestor; `atKey` points at the key itself. */
function locate(doc: Document, lc: LineCounter, path: readonly PathSegment[], atKey = false): Located {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      if (last && atKey && keyNode?.range) offset = keyNode.range[0];
      else if (valueNode?.range) offset = valueNode.range[0];
      else if (keyNode?.range) offset = keyNode.range[0];
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item?.range) break;
      offset = item.range[0];
      node = item;
    } else break;
  }
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}

/** The key path of the innermost map entry or list item that spans `offset` (a duplicate key names itself); [] at the top. */
function pathAt(doc: Document, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    let next: unknown;
    if (isMap(node)) {
      for (const p of node.items) {
        const k = p.key as Node | null;
        const v = p.value as Node | null;
        const from = k?.range?.[0] ?? v?.range?.[0];
        const to = v?.range?.[2] ?? k?.range?.[2];
        if (from === undefined || to === undefined || offset < from || offset >= to) continue;
        path.push(String(isScalar(k) ? k.value : k));
        next = v;
        break;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const r = (node.items[i] as Node | null)?.range;
        if (!r || offset < r[0] || offset >= r[2]) continue;
        path.push(i);
        next = node.items[i];
        break;
      }
    }
    if (next === undefined) return path;
    node = next;
  }
}

/** Aliases (`*name`) with no anchor (`&name`) before them, in document order: one walk, as `toJS` resolves them. */
function unresolvedAliases(doc: Document): Alias[] {
  const anchors = new Set<string>();
  const found: Alias[] = [];
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        if (!anchors.has(node.source)) found.push(node);
      } else if (node.anchor) anchors.add(node.anchor);
    },
  });
  return found;
}

/**
 * Keys that are not a plain name or number: a list or mapping (`? [a, b]`), or null (`~:`). `toJS` would
 * stringify them (with a Node warning on stderr) into keys no message can show sensibly.
 */
function badKeys(doc: Document): Node[] {
  const found: Node[] = [];
  visit(doc, {
    Pair(_key, pair) {
      const k = pair.key as Node | null;
      if (k && isScalar(k) && k.value !== null && typeof k.value !== 'object') return;
      if (k && isAlias(k)) return;
      found.push(k ?? (pair.value as Node));
    },
  });
  return found;
}

/** Rewords the YAML library's messages that speak to programmers ("please use YAML.parseAllDocuments()"). */
function yamlMessage(e: { code: string; message: string }): string {
  if (e.code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document (a `---` line after the first); a scenario is one document';
  return e.message.split('\n')[0]!;
}

/**
 * A `--set` that was applied: the argument as given, and the path of what it put in the document: the
 * key it set, or the first key on its path that was not in the file (everything under it is new).
 */
interface Override {
  owns: PathSegment[];
  spec: string;
}

/**
 * What setting `path` puts in `doc` that was not in the file (see Override), or why it may not: an index
 * past the end of a list would leave empty items before it. Call before setting it.
 */
function ownedBy(doc: Document, path: PathSegment[]): PathSegment[] | string {
  let k = 0;
  while (k < path.length && doc.hasIn(path.slice(0, k + 1))) k++;
  if (k === path.length) return path;
  const list = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true);
  const index = path[k];
  if (isSeq(list) && typeof index === 'number' && index > list.items.length) {
    const n = list.items.length;
    return `cannot set ${formatPath(path)}: ${formatPath(path.slice(0, k))} has ${n} item${n === 1 ? '' : 's'}, so an index from 0 to ${n} (${n} adds one)`;
  }
  return path.slice(0, k + 1);
}

/**
 * A problem placed where the user can fix it: at its line and column in the file, or, for a value a
 * `--set` put there (the last one whose path holds it), at that argument: its node has no place in
 * the file, and the nearest one in the file pointed at a line holding something else.
 */
function located(file: string, doc: Document, lc: LineCounter, p: PathProblem, overrides: readonly Override[] = []): Problem {
  const extra = { path: formatPath(p.path), message: p.message, ...(p.hint ? { hint: p.hint } : {}) };
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i]!;
    if (o.owns.length <= p.path.length && o.owns.every((seg, k) => seg === p.path[k])) return { file: `--set ${o.spec}`, line: 0, column: 0, ...extra };
  }
  const { line, column } = locate(doc, lc, p.path, p.atKey);
  return { file, line, column, ...extra };
}

/** Applies `spec` to the document: what it put there (see Override), or why it could not. */
function applyOverride(doc: Document, spec: string): PathSegment[] | string {
  const eq = spec.indexOf('=');
  const keys = spec.slice(0, eq).split('.');
  if (eq <= 0 || keys.includes('')) return `expected key.path=value, found ${JSON.stringify(spec)}`;
  const path = keys.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const valueDoc = parseDocument(spec.slice(eq + 1));
  if (valueDoc.errors.length > 0) return `expected a YAML value after "=", found ${JSON.stringify(spec.slice(eq + 1))}`;
  let owns: PathSegment[] | string;
  try {
    owns = ownedBy(doc, path);
    if (typeof owns === 'string') return owns;
    doc.setIn(path, doc.createNode(valueDoc.toJS() as unknown));
  } catch {
    // yaml throws when the path runs through a scalar (`users.dailyActive.x=1`): bad input, not a bug.
    return `cannot set ${keys.join('.')}: part of that path is not a mapping or list in the file`;
  }
  return owns;
}

/** Validates scenario text. `file` is used for locations only. */
export function parseScenario(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const lc = new LineCounter();
  const at = (line: number, column: number, message: string, hint?: string): Problem => ({ file, line, column, path: '(document)', message, ...(hint ? { hint } : {}) });

  if (text.trim() === '' || text.split('\n').every((l) => /^\s*(#.*)?$/.test(l)))
    return { problems: [at(1, 1, 'the file is empty', 'a scenario needs at least `users` and `models`; see scenarios/support-agent.yaml')], warnings: [] };

  // `merge`: YAML merge keys (`<<: *base`), the usual way to share settings between models or classes.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true, merge: true });
  const yamlProblem = (e: { code: string; message: string; pos: [number, number] }) => {
    const { line, col } = lc.linePos(e.pos[0]);
    // A duplicate key is a key: it has a path. Syntax errors point where parsing broke, which may lie in
    // the entry after the real mistake (an unclosed `{` on line 1 is reported at line 2's key).
    const path = e.code === 'DUPLICATE_KEY' ? pathAt(doc, e.pos[0]) : [];
    return { ...at(line, col, `YAML: ${yamlMessage(e)}`), ...(path.length > 0 ? { path: formatPath(path) } : {}) };
  };
  const problems = doc.errors.map(yamlProblem);
  const warnings = doc.warnings.map(yamlProblem);
  for (const k of badKeys(doc)) {
    const { line, col } = lc.linePos(k.range?.[0] ?? 0);
    const found = isScalar(k) ? (k.value === null ? 'null' : 'a value that is not text') : isSeq(k) ? 'a list' : 'a mapping';
    problems.push(at(line, col, `YAML: expected a key name, found ${found}`));
  }
  if (problems.length > 0) return { problems, warnings };

  const applied: Override[] = [];
  for (const o of opts.overrides ?? []) {
    const r = applyOverride(doc, o);
    if (typeof r === 'string') problems.push({ file: '--set', line: 0, column: 0, path: o, message: r });
    else applied.push({ owns: r, spec: o });
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const unresolved = unresolvedAliases(doc).map((alias) => {
      const offset = alias.range?.[0] ?? 0;
      const { line, col } = lc.linePos(offset);
      const path = pathAt(doc, offset);
      const problem = at(line, col, `YAML: unresolved alias *${alias.source}: no anchor &${alias.source} is set before it`, `set the anchor (&${alias.source}) on a value above its first alias`);
      return path.length > 0 ? { ...problem, path: formatPath(path) } : problem;
    });
    if (unresolved.length > 0) return { problems: unresolved, warnings };
    return { problems: [at(1, 1, `YAML: ${(e as Error).message}`, 'aliases may be expanded at most 200 times in total')], warnings };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const { line, col } = lc.linePos((doc.contents as Node | null)?.range?.[0] ?? 0);
    return { problems: [at(line, col, `expected a mapping of scenario keys, found ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}`)], warnings };
  }

  const parsed = ScenarioSchema.safeParse(raw, { reportInput: true });
  const pathProblems = [...(parsed.success ? [] : explainIssues(parsed.error.issues, raw, keysAt)), ...checkRules(raw)];
  problems.push(...pathProblems.map((p) => located(file, doc, lc, p, applied)));
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  warnings.push(...checkWarnings(raw, opts.today ?? new Date().toISOString().slice(0, 10)).map((p) => located(file, doc, lc, p, applied)));
  if (problems.length > 0 || !parsed.success) return { problems, warnings };
  return { scenario: normalise(parsed.data), problems, warnings };
}

/** Reads and validates a scenario file; never throws for bad input (problems are returned). */
export async function checkScenarioFile(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let size: number;
  try {
    const st = await stat(file);
    // A directory fails the read below (EISDIR), and a device (/dev/zero) reports size 0 and reads forever.
    if (!st.isFile()) return { problems: [{ file, line: 0, column: 0, path: '(file)', message: `not a regular file (${st.isDirectory() ? 'a directory' : 'a device, socket or pipe'})` }], warnings: [] };
    size = st.size;
  } catch {
    return { problems: [{ file, line: 0, column: 0, path: '(file)', message: FILE_UNREADABLE }], warnings: [] };
  }
  if (size > MAX_FILE_BYTES)
    return {
      problems: [{ file, line: 1, column: 1, path: '(file)', message: `the file is ${(size / 1048576).toFixed(1)} MiB; scenarios are limited to ${MAX_FILE_BYTES / 1048576} MiB`, hint: 'a scenario describes a workload; it should be a few kilobytes' }],
      warnings: [],
    };
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    // stat succeeded, but the read did not: no read permission (a chmod 000 file, another user's), an I/O error.
    return { problems: [{ file, line: 0, column: 0, path: '(file)', message: `${CANNOT_READ}: ${readError(e as NodeJS.ErrnoException)}` }], warnings: [] };
  }
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') return { problems: [{ file, ...text, path: '(file)', message: 'the file is not UTF-8 text', hint: 'save it as UTF-8 (without a byte-order mark other than UTF-8\'s)' }], warnings: [] };
  return parseScenario(text, file, opts);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The file's text, or where its first byte that is not UTF-8 is (line, and column in bytes). A lenient
 * decode turned a Latin-1 "café" into "caf\uFFFD" silently, and UTF-16 into a wall of NULs.
 */
function decodeUtf8(bytes: Uint8Array): string | { line: number; column: number } {
  try {
    return UTF8.decode(bytes);
  } catch {
    const at = firstBadUtf8Byte(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] !== 0x0a) continue;
      line++;
      lineStart = i + 1;
    }
    return { line, column: at - lineStart + 1 };
  }
}

/** Index of the first byte that does not start or continue a well-formed UTF-8 sequence (lead and continuation bytes only: enough to locate what the strict decoder refused). */
function firstBadUtf8Byte(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return 0;
}

const CANNOT_READ = 'cannot read the file';
const FILE_UNREADABLE = `${CANNOT_READ}: it does not exist or is not readable`;

/** Why a read failed, in words, with the system's code: `permission denied (EACCES)`. */
function readError(e: NodeJS.ErrnoException): string {
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', EIO: 'input/output error', EISDIR: 'it is a directory' };
  return e.code ? `${words[e.code] ?? e.message.replace(/^[A-Z]+: /, '').split(',')[0]} (${e.code})` : e.message;
}

/** Reads a scenario or throws a HeadroomError listing every problem (exit code 2 at the CLI). */
export async function loadScenario(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  const r = await checkScenarioFile(file, opts);
  if (r.scenario) for (const w of r.warnings) opts.onWarning?.(w);
  const p = r.problems[0];
  if (!r.scenario && r.problems.length === 1 && p!.path === '(file)' && p!.message.startsWith(CANNOT_READ))
    throw new HeadroomError(ErrorCode.fileNotFound, `${file}: ${p!.message}`, { hint: p!.message === FILE_UNREADABLE ? 'check the path (relative to the current directory)' : 'check the file\'s permissions' });
  if (!r.scenario) {
    throw new HeadroomError(ErrorCode.scenarioInvalid, `${file}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in the scenario`, {
      details: r.problems.map(formatProblem),
      hint: 'fix each problem listed; `headroom scenario check FILE` re-checks without running anything',
    });
  }
  return r.scenario;
}
