/**
 * `headroom serve` as child processes, for tests that need several runtime instances (scale-out,
 * crash recovery). Each child runs the TypeScript CLI through tsx's loader — `node --import tsx
 * --input-type=module -e "<import src/cli/entry.ts; runAndExit(argv)>" -- serve …` — because `dist/`
 * is only as fresh as the last build. Node is spawned directly (no npx wrapper), so a signal sent to the
 * child reaches the runtime itself: SIGKILL really kills the instance mid-work.
 *
 * Every child is registered in a {@link ProcessGroup}; `killAll()` (in afterAll) SIGKILLs whatever is
 * still running, and a process 'exit' hook does the same if the test worker dies first, so no instance
 * outlives its test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = `const { runAndExit } = await import(${JSON.stringify(pathToFileURL(resolve(REPO_ROOT, 'src/cli/entry.ts')).href)});
await runAndExit(process.argv.slice(1));`;

/** The command that runs this repository's CLI in a child process (for HEADROOM_AGENT_CMD and the like). */
export const CLI_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', ENTRY, '--'];

/** `serve` prints this once listening (src/cli/commands/serve.ts); port 0 makes the OS pick the port. */
const LISTENING = /headroom runtime listening on (http:\/\/[^\s]+)/;

export interface ServeProcess {
  /** Base URL, e.g. http://127.0.0.1:40123. */
  url: string;
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited (code, or the signal that ended it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGKILL) if the process still runs. */
  kill(signal?: NodeJS.Signals): void;
  alive(): boolean;
}

export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();
  private readonly onExit = () => {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  /**
   * Starts `headroom serve <args>` with `--port 0` and resolves when it prints its address; rejects (and
   * kills it) if it exits first or says nothing within `timeoutMs`.
   */
  async serve(args: string[], timeoutMs = 20_000): Promise<ServeProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY, '--', 'serve', '--port', '0', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, HEADROOM_DEBUG: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.once('exit', (code, signal) => {
        this.children.delete(child);
        res({ code, signal });
      }),
    );
    const url = await new Promise<string>((res, rej) => {
      let settled = false;
      const timer = setTimeout(() => fail(`no address within ${timeoutMs} ms`), timeoutMs);
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        child.stdout!.off('data', check);
      };
      const fail = (why: string) => {
        if (settled) return;
        settle();
        child.kill('SIGKILL');
        rej(new Error(`headroom serve ${args.join(' ')}: ${why}\nstdout:\n${out}\nstderr:\n${err}`));
      };
      const check = () => {
        const m = LISTENING.exec(out);
        if (!m || settled) return;
        settle();
        res(m[1]!);
      };
      child.stdout!.on('data', check);
      void exited.then(({ code, signal }) => fail(`exited (${code ?? signal}) before listening`));
      check();
    });
    return {
      url,
      pid: child.pid!,
      child,
      stdout: () => out,
      stderr: () => err,
      exited,
      kill: (signal = 'SIGKILL') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
      alive: () => child.exitCode === null && child.signalCode === null,
    };
  }

  /** SIGKILLs every child still running and waits for them to be gone. */
  async killAll(): Promise<void> {
    const waits = [...this.children].map((c) => new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : (c.once('exit', () => res()), c.kill('SIGKILL')))));
    await Promise.all(waits);
    process.off('exit', this.onExit);
  }
}
