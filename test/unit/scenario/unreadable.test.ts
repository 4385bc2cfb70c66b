/**
 * A scenario file that exists but cannot be read (no read permission, an I/O error): exit 2 with the
 * reason, like a missing file — not "internal error" (exit 1). Root reads every file, so the refusal is
 * simulated at `readFile`; `stat` still sees a regular file, as it does for a chmod 000 file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkScenarioFile } from '../../../src/scenario/load.js';
import { runCli } from '../../helpers/cli.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const readFile = (async (file: unknown, ...rest: unknown[]) => {
    if (String(file).endsWith('locked.yaml')) throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES' });
    return (fs.readFile as (...a: unknown[]) => Promise<unknown>)(file, ...rest);
  }) as typeof fs.readFile;
  return { ...fs, readFile, default: { ...fs, readFile } };
});

const dir = mkdtempSync(join(tmpdir(), 'headroom-unreadable-'));
const locked = join(dir, 'locked.yaml');
writeFileSync(locked, 'users: { dailyActive: 5000, concurrencyRatio: 3% }\nmodels: { sonnet: { id: claude-sonnet-4-5 } }\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a scenario file that cannot be read', () => {
  it('is a problem of the file, with the reason', async () => {
    const r = await checkScenarioFile(locked);
    expect(r.scenario).toBeUndefined();
    expect(r.problems).toEqual([{ file: locked, line: 0, column: 0, path: '(file)', message: 'cannot read the file: permission denied (EACCES)' }]);
  });

  it('is exit 2 from sim run, naming the file', async () => {
    const r = await runCli(['sim', 'run', locked]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`HEADROOM_ERR_FILE_NOT_FOUND: ${locked}: cannot read the file: permission denied (EACCES)`);
    expect(r.stderr).not.toContain('internal error');
  });
});
