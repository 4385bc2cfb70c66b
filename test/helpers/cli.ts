/**
 * Runs the CLI in-process — `main(args, io)` — with stdout and stderr captured in memory, so tests see
 * exactly what a user would, including the exit code, without spawning a process.
 */
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(chunks: string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
}

/** `runCli(['scenario', 'check', file])` ≙ `headroom scenario check FILE`. */
export async function runCli(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: capture(out), err: capture(err), isTty: false });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
