/** `headroom scenario check|show|schema`: validate scenarios, print the normalised form, print the JSON Schema. */
import { ExitCode } from '../../errors.js';
import { scenarioJsonSchema } from '../../scenario/json-schema.js';
import { checkScenarioFile, loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { line, warnTo, writeJson, type Io } from '../output.js';

export async function scenarioCheck(io: Io, files: string[], opts: { json: boolean; set: string[] }): Promise<number> {
  const results = [];
  for (const file of files) results.push({ file, ...(await checkScenarioFile(file, { overrides: opts.set })) });
  const failed = results.filter((r) => r.problems.length > 0);
  if (opts.json) {
    writeJson(io, { ok: failed.length === 0, files: results.map((r) => ({ file: r.file, ok: r.problems.length === 0, problems: r.problems, warnings: r.warnings })) });
  } else {
    for (const r of results) {
      if (r.problems.length === 0) line(io, `ok  ${r.file}${r.scenario ? `  (${r.scenario.name}: ${Object.keys(r.scenario.models).length} model(s), ${r.scenario.users.dailyActive.toLocaleString('en-US')} daily users)` : ''}`);
      for (const w of r.warnings) warnTo(io)(w);
      for (const p of r.problems) io.err.write(`${formatProblem(p)}\n`);
    }
    if (failed.length > 0) {
      const n = failed.reduce((s, r) => s + r.problems.length, 0);
      io.err.write(`\n${n} problem${n === 1 ? '' : 's'} in ${failed.length} of ${results.length} file${results.length === 1 ? '' : 's'}\n`);
    }
  }
  return failed.length > 0 ? ExitCode.badInput : ExitCode.ok;
}

export async function scenarioShow(io: Io, file: string, opts: { set: string[] }): Promise<number> {
  writeJson(io, await loadScenario(file, { overrides: opts.set }));
  return ExitCode.ok;
}

export function scenarioSchema(io: Io): number {
  writeJson(io, scenarioJsonSchema());
  return ExitCode.ok;
}
