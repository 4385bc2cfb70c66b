/**
 * The process entry: `bin/headroom.js` runs it from dist/, the tests' child processes from src/ (through
 * tsx), so both exit the same way. The only place that calls `process.exit`.
 *
 * Why exit explicitly: `serve`, `mock-provider` and the load tester may leave handles behind (a Redis
 * client, a keep-alive socket) once `main` resolves, and the process must still end with main's code.
 * Why wait first: when stdout or stderr is a pipe, Node writes it asynchronously, and `process.exit`
 * drops whatever is still queued — a `--json` report piped to another program was cut at 64 KiB and
 * the run still exited 0.
 */
import type { Writable } from 'node:stream';
import { main } from './main.js';

/** Runs the CLI with `args`, waits until stdout and stderr have handed every byte to the OS, then exits with main's code. */
export async function runAndExit(args: string[]): Promise<never> {
  const code = await main(args);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * Resolves once everything written to `stream` so far has left Node's buffers: an empty write is queued
 * behind the earlier ones, and its callback runs when they are done. Resolves also when the stream fails
 * (EPIPE: the reader went away, as with `| head`, so nothing is left to wait for) or takes no more writes.
 * For the end of the process only: it leaves an error listener on the stream, because the write error
 * is emitted on a later tick than the failed write's callback, and unheard it would crash the exit.
 */
export function flushed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    stream.on('error', () => resolve());
    stream.write('', () => resolve());
  });
}
