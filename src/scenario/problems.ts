/**
 * A located scenario problem and its one-line rendering:
 *   scenarios/x.yaml:12:7: models.sonnet.limits.rpm: expected more than 0, found -5
 */
export type PathSegment = string | number;

export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dot path of YAML keys (`router.rules[2].use`), or `(document)`. */
  path: string;
  message: string;
  hint?: string;
}

export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(document)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function formatProblem(p: Problem): string {
  // Line 0: not in a file's text (the file as a whole, or a --set argument): no position to give.
  const head = `${p.line === 0 ? p.file : `${p.file}:${p.line}:${p.column}`}: ${p.path}: ${p.message}`;
  return p.hint ? `${head}\n    hint: ${p.hint}` : head;
}

/** How a found value reads in a message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}
