/** Shared output helpers for commands: JSON vs human output, and where each goes. */
import type { Writable } from 'node:stream';
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

export function line(io: Io, text = ''): void {
  io.out.write(`${text}\n`);
}

/** Prints a scenario warning (e.g. a model retiring soon) on stderr, located like a problem. */
export const warnTo =
  (io: Io) =>
  (w: Problem): void => {
    io.err.write(`warning: ${formatProblem(w)}\n`);
  };
