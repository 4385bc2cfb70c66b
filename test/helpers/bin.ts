/**
 * The published CLI as a user runs it: `node bin/headroom.js …`, which runs the compiled `dist/` (not
 * the sources through tsx, as `spawnHeadroom` does), so a test of it also proves the bin works. `dist/`
 * must be built from the current sources: `builtCli()` refuses a stale build by name (`npm run build`)
 * instead of testing yesterday's code.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const BIN = join(REPO_ROOT, 'bin', 'headroom.js');

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Throws when a source file is newer than its compiled counterpart, or has none. */
export function assertBuilt(): void {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const rel = relative(join(REPO_ROOT, 'src'), path);
        const built = join(REPO_ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
        const out = statSync(built, { throwIfNoEntry: false });
        if (!out || out.mtimeMs < statSync(path).mtimeMs) stale.push(rel);
      }
    }
  };
  walk(join(REPO_ROOT, 'src'));
  if (stale.length > 0) throw new Error(`dist/ is older than src/ (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): run \`npm run build\` first`);
}

/** `headroom <args>` through bin/headroom.js, resolving with its exit code and output. */
export function runBin(args: string[], timeoutMs = 60_000): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, HEADROOM_DEBUG: '', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`headroom ${args.join(' ')} took over ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr });
    });
  });
}

/** A JSON document without the fields that measure the machine (wall time) rather than the simulation. */
export function timeless(json: string): unknown {
  return JSON.parse(json, (k, v: unknown) => (k === 'wallMs' || k === 'eventsPerSecond' ? undefined : v)) as unknown;
}

/** Terminal output with its lines joined: answers wrap at 100 columns, at spaces. */
export const flat = (text: string): string => text.replace(/\n/g, ' ');
