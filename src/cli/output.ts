/** Shared output helpers for commands: JSON vs human output, and where each goes. */
import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { ErrorCode, HeadroomError } from '../errors.js';
import { formatProblem, type Problem } from '../scenario/problems.js';

export interface Io {
  out: Writable;
  err: Writable;
  /** Human-friendly extras (colour, progress bars) only on a terminal. */
  isTty: boolean;
}

export const processIo = (): Io => ({ out: process.stdout, err: process.stderr, isTty: Boolean(process.stdout.isTTY) });

export function writeJson(io: Io, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `--out FILE`, checked before the work that fills it (a run may take minutes): a path given, in a
 * directory that exists, and not a directory itself. The writer it returns fails as a bad argument
 * (exit 2) with the reason, not as an internal error; commands print their report before writing it,
 * so a failed write loses nothing. Undefined when `--out` was not given. `flag` names the option in
 * messages (`ci check --update-baseline` writes its `--baseline` so).
 */
export async function outFile(path: string | undefined, flag = '--out'): Promise<((text: string) => Promise<void>) | undefined> {
  if (path === undefined) return undefined;
  const bad = (why: string) => new HeadroomError(ErrorCode.badArgument, `${flag} ${path === '' ? '(empty)' : path}: ${why}`, { hint: `${flag} takes the path of the JSON file to write` });
  if (path === '') throw bad('needs a file path');
  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir?.isDirectory()) throw bad(`the directory ${dirname(path)} does not exist`);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw bad('is a directory');
  return async (text) => {
    try {
      await writeFile(path, text);
    } catch (e) {
      throw bad(`cannot write it: ${(e as Error).message}`);
    }
  };
}

export function line(io: Io, text = ''): void {
  io.out.write(`${text}\n`);
}

/** Prints a scenario warning (e.g. a model retiring soon) on stderr, located like a problem. */
export const warnTo =
  (io: Io) =>
  (w: Problem): void => {
    io.err.write(`warning: ${formatProblem(w)}\n`);
  };
