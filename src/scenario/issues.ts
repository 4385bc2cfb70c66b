/**
 * Turns zod issues into user-facing messages: "expected …, found …", one per problem, with did-you-mean
 * hints for unknown keys and enum values. Unions are resolved to the branch the user evidently meant
 * (the one whose type matched), so a misspelt duration inside `{ dist: lognormal, … }` reads as that,
 * not as "invalid input".
 */
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { describeValue, type PathSegment } from './problems.js';

export interface PathProblem {
  path: PathSegment[];
  message: string;
  hint?: string;
  /** The problem is about a key itself (an unknown key), not its value. */
  atKey?: boolean;
}

type Issue = z.core.$ZodIssue;

/** Known keys at a path, for did-you-mean on unknown keys. */
export type KeysAt = (path: readonly PathSegment[]) => string[];

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function expectedType(t: string): string {
  switch (t) {
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return article(t);
  }
}

function inputAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** A branch "matched the type" if none of its issues is a type/literal mismatch at the union's own path. */
function typeMismatchAtRoot(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value' || (i.code === 'invalid_union' && !('discriminator' in i))));
}

function rootExpectation(issues: readonly Issue[]): string[] {
  const out: string[] = [];
  for (const i of issues) {
    if (i.path.length !== 0) continue;
    if (i.code === 'invalid_type') out.push(expectedType(i.expected));
    else if (i.code === 'invalid_value') out.push(i.values.map((v) => JSON.stringify(v)).join(' or '));
    else if (i.code === 'invalid_union' && !('discriminator' in i)) for (const b of i.errors) out.push(...rootExpectation(b));
  }
  return out;
}

/** A schema's own wording (`{ error: 'expected a duration …' }`, as the unit fields give), if it has one. */
function ownExpectation(issue: Issue): string | undefined {
  return issue.message.startsWith('expected ') ? issue.message : undefined;
}

function expectedFound(expected: string, found: unknown): string {
  return found === undefined ? `missing: ${expected}` : `${expected}, found ${describeValue(found)}`;
}

export function explainIssues(issues: readonly Issue[], root: unknown, keysAt: KeysAt, prefix: PathSegment[] = []): PathProblem[] {
  const out: PathProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as PathSegment[])];
    // A check that reports `input: undefined` (its value is already converted): quote the raw document.
    const found = 'input' in issue && issue.input !== undefined ? issue.input : inputAt(root, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const suggestion = didYouMean(key, keysAt(path));
          out.push({ path: [...path, key], atKey: true, message: `unknown key "${key}"`, ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}) });
        }
        break;
      case 'invalid_type': {
        out.push({ path, message: expectedFound(ownExpectation(issue) ?? `expected ${expectedType(issue.expected)}`, found) });
        break;
      }
      case 'invalid_value': {
        const options = issue.values.map((v) => JSON.stringify(v));
        const suggestion = typeof found === 'string' ? didYouMean(found, issue.values.map(String)) : undefined;
        out.push({ path, message: `expected ${options.length === 1 ? options[0] : `one of ${options.join(', ')}`}, found ${describeValue(found)}`, ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}) });
        break;
      }
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
        const inclusive = issue.inclusive !== false;
        const what =
          issue.origin === 'array' ? `${small ? 'at least' : 'at most'} ${bound} item${Number(bound) === 1 ? '' : 's'}`
          : issue.origin === 'string' ? `${small ? 'at least' : 'at most'} ${bound} character${Number(bound) === 1 ? '' : 's'}`
          : `${small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than'} ${bound}`;
        out.push({ path, message: `expected ${what}, found ${describeValue(found)}` });
        break;
      }
      case 'not_multiple_of':
        out.push({ path, message: `expected a multiple of ${issue.divisor}, found ${describeValue(found)}` });
        break;
      case 'invalid_format':
      case 'custom':
        out.push({ path, message: `${issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`}, found ${describeValue(found)}` });
        break;
      case 'invalid_key':
        // A mapping key that is not a valid name (`"son net":` under models): the key's own check says what a
        // name is; point at the key.
        for (const p of explainIssues(issue.issues as Issue[], root, keysAt)) out.push({ ...p, path, atKey: true });
        break;
      case 'invalid_union': {
        if ('discriminator' in issue && issue.discriminator) {
          // Discriminated union whose tag is missing or unknown.
          const key = issue.discriminator as string;
          const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
          const value = inputAt(root, path);
          const tagPath = path[path.length - 1] === key ? path : [...path, key];
          const tag = (value as Record<string, unknown> | undefined)?.[key] ?? inputAt(root, tagPath);
          const suggestion = typeof tag === 'string' ? didYouMean(tag, options) : undefined;
          out.push({
            path: tagPath,
            message: tag === undefined ? `missing: expected "${key}" to be one of ${options.join(', ')}` : `expected one of ${options.join(', ')}, found ${describeValue(tag)}`,
            ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
          });
          break;
        }
        const branches = issue.errors.filter((b) => !typeMismatchAtRoot(b));
        if (branches.length > 0) {
          const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
          out.push(...explainIssues(best, root, keysAt, path));
        } else {
          const expected = [...new Set(rootExpectation(issue.errors.flat()))];
          out.push({ path, message: expectedFound(ownExpectation(issue) ?? `expected ${expected.join(' or ') || 'a different value'}`, found) });
        }
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}
