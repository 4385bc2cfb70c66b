/**
 * `--variant 'NAME: key=value; key=value'` of `sim compare`: a what-if on the first FILE, written as the
 * `--set` overrides it stands for. `:` ends the name (optional: without one the overrides name the
 * variant); `;` separates overrides. A `;` inside quotes or brackets belongs to the value
 * (`--variant 'tags: router.rules=[{when: {priority: batch}, use: haiku}]'`), and each override is
 * checked exactly as `--set` is, with the same located errors, when the scenario is loaded.
 */
import { ErrorCode, HeadroomError } from '../errors.js';

export interface VariantSpec {
  /** The variant's label: the name given, else its overrides joined by `; `. */
  label: string;
  /** `key.path=value` overrides, in order. */
  overrides: string[];
  /** The argument as given. */
  spec: string;
}

const MAX_NAME = 60;

export function parseVariant(spec: string): VariantSpec {
  const bad = (why: string) =>
    new HeadroomError(ErrorCode.badArgument, `--variant ${JSON.stringify(spec)}: ${why}`, { hint: "write --variant 'NAME: key=value; key=value', e.g. --variant 'haiku: router.default=haiku'" });
  // A name is what comes before the first `:` when no `=` comes before it: `k=v` with a YAML value
  // holding a `:` (`models.x.limits={rpm: 1k}`) has no name.
  const colon = spec.indexOf(':');
  const eq = spec.indexOf('=');
  const named = colon >= 0 && (eq < 0 || colon < eq);
  const name = named ? spec.slice(0, colon).trim() : undefined;
  if (name !== undefined && name === '') throw bad('the name before `:` is empty');
  if (name !== undefined && name.length > MAX_NAME) throw bad(`the name is ${name.length} characters long; at most ${MAX_NAME}`);
  if (name !== undefined && /[\p{Cc}]/u.test(name)) throw bad('the name holds a control character');
  const overrides = splitOverrides(named ? spec.slice(colon + 1) : spec);
  if (overrides.length === 0) throw bad('no key=value override: a variant is the first FILE with at least one change');
  return { label: name ?? overrides.join('; '), overrides, spec };
}

/** Splits on `;` outside quotes and brackets, trimming each part and dropping empty ones (a trailing `;`). */
export function splitOverrides(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
    else if (ch === ';' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
