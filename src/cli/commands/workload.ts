/** `headroom workload preview`: the first sessions of the deterministic stream, for eyeballing a scenario. */
import { ExitCode } from '../../errors.js';
import { loadScenario } from '../../scenario/load.js';
import { formatDuration } from '../../scenario/units.js';
import { Workload } from '../../workload/stream.js';
import { rangeArg } from '../options.js';
import { line, type Io } from '../output.js';

export async function workloadPreview(io: Io, file: string, opts: { sessions: number; seed?: number; json: boolean; set: string[] }): Promise<number> {
  const limit = rangeArg(opts.sessions, '--sessions', { whole: true, min: 0, max: 1_000_000 });
  const scenario = await loadScenario(file, { overrides: opts.set });
  const w = new Workload(scenario, opts.seed ?? scenario.seed);
  if (!opts.json) {
    const p = w.plan;
    line(io, `${scenario.name} (seed ${w.seed}): ${p.targetConcurrency.toFixed(0)} concurrent sessions at the normal level; ` +
      `unloaded session ≈ ${formatDuration(p.meanSessionMs)} → ${(p.baseRatePerS * 60).toFixed(1)} sessions/min (Little's law)`);
  }
  let n = 0;
  for (const s of w.sessions()) {
    if (n++ >= limit) break;
    if (opts.json) {
      line(io, JSON.stringify(s));
      continue;
    }
    line(io, `session ${s.id}  starts ${formatDuration(s.startAtMs)}  priority ${s.priority}  ${s.turns.length} turn(s)`);
    for (const t of s.turns) {
      const calls = t.calls.map((c) => `${c.outputTokens} out${c.toolLatencyAfterMs > 0 ? ` → tool ${formatDuration(c.toolLatencyAfterMs)} +${c.toolResultTokens} tok` : ''}`).join(' | ');
      line(io, `  turn ${t.index}: ${t.userTokens} tok in (${t.promptKey}${t.repeated ? ', repeat' : ''}); calls: ${calls}; think ${formatDuration(t.thinkTimeAfterMs)}`);
    }
  }
  return ExitCode.ok;
}
