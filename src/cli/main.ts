/**
 * The CLI entry. It declares commands and lazily imports each one, so `headroom --help` stays fast.
 * Only this file maps errors to exit codes (README "Exit codes"); only bin/headroom.js calls
 * `process.exit`.
 */
import yargs, { type Argv } from 'yargs';
import { ExitCode, HeadroomError } from '../errors.js';
import { processIo, type Io } from './output.js';

const EPILOG = `Exit codes: 0 ok · 1 internal error · 2 bad input · 99 an SLO or regression gate failed.
Docs: README.md · scenario language: schema/scenario.schema.json`;

type Run = (argv: Record<string, unknown>) => Promise<number> | number;

function build(args: string[], io: Io, setCode: (n: number) => void): Argv {
  const run = (fn: Run) => async (argv: Record<string, unknown>) => setCode(await fn(argv));
  const setOption = { type: 'string', array: true, default: [] as string[], describe: 'Override a scenario key, e.g. --set users.dailyActive=20000 (repeatable)' } as const;

  return yargs(args)
    .scriptName('headroom')
    .usage('$0 <command> [options]\n\nCapacity planning and load testing for LLM agents: how many workers, which provider limit binds,\nwhat latency and what cost — predicted by simulation, then proved against a live system.')
    .command('scenario', 'Validate and inspect scenario files', (y) =>
      y
        .command(
          'check <files..>',
          'Check scenario files; report every problem with file:line:column',
          (c) => c.positional('files', { type: 'string', array: true, demandOption: true }).option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' }).option('set', setOption),
          run(async (a) => (await import('./commands/scenario.js')).scenarioCheck(io, a.files as string[], { json: a.json as boolean, set: a.set as string[] })),
        )
        .command(
          'show <file>',
          'Print the scenario as Headroom reads it: units converted, defaults filled (JSON)',
          (c) => c.positional('file', { type: 'string', demandOption: true }).option('set', setOption),
          run(async (a) => (await import('./commands/scenario.js')).scenarioShow(io, a.file as string, { set: a.set as string[] })),
        )
        .command('schema', 'Print the JSON Schema of the scenario language (for editors)', {}, run(async () => (await import('./commands/scenario.js')).scenarioSchema(io)))
        .demandCommand(1, 'Choose a scenario command: check, show or schema.'),
    )
    .command('sim', 'Simulate a scenario: workers, binding limits, latency and cost', (y) =>
      y
        .command(
          'run <file>',
          'Simulate a scenario and answer: how many workers, which limit binds, what latency, what cost',
          (c) =>
            c
              .positional('file', { type: 'string', demandOption: true, describe: 'Scenario YAML' })
              .option('seed', { type: 'number', describe: "Seed (default: the scenario's)" })
              .option('duration', { type: 'string', describe: 'Simulated duration, e.g. 24h (overrides the scenario)' })
              .option('set', setOption)
              .option('json', { type: 'boolean', default: false, describe: 'Print the JSON report instead of the summary' })
              .option('out', { type: 'string', describe: 'Also write the JSON report to this file' })
              .example('$0 sim run scenarios/support-agent.yaml', 'the capacity answer for the support agent')
              .example('$0 sim run scenarios/support-agent.yaml --set users.dailyActive=20000 --out report.json', 'what if traffic quadruples?'),
          run(async (a) =>
            (await import('./commands/sim.js')).simRun(io, a.file as string, {
              ...(a.seed !== undefined ? { seed: a.seed as number } : {}),
              ...(a.duration !== undefined ? { duration: a.duration as string } : {}),
              set: a.set as string[],
              json: a.json as boolean,
              ...(a.out !== undefined ? { out: a.out as string } : {}),
            }),
          ),
        )
        .demandCommand(1, 'Choose a sim command: run.'),
    )
    .command('workload', 'Inspect the deterministic workload a scenario generates', (y) =>
      y
        .command(
          'preview <file>',
          'Print the first sessions and turns the workload stream generates for a seed',
          (c) =>
            c
              .positional('file', { type: 'string', demandOption: true })
              .option('sessions', { type: 'number', default: 5, describe: 'How many sessions to print' })
              .option('seed', { type: 'number', describe: 'Seed (default: the scenario\'s)' })
              .option('json', { type: 'boolean', default: false, describe: 'One JSON object per session (NDJSON)' })
              .option('set', setOption),
          run(async (a) => (await import('./commands/workload.js')).workloadPreview(io, a.file as string, { sessions: a.sessions as number, seed: a.seed as number | undefined, json: a.json as boolean, set: a.set as string[] })),
        )
        .demandCommand(1, 'Choose a workload command: preview.'),
    )
    .demandCommand(1, 'Choose a command; `headroom --help` lists them.')
    .recommendCommands()
    .strict()
    .epilog(EPILOG)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .help()
    .alias('h', 'help')
    .version(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new HeadroomError('HEADROOM_ERR_BAD_ARGUMENT', msg ?? 'bad arguments', { hint: 'see `headroom --help`' });
    });
}

function report(io: Io, e: unknown): number {
  if (e instanceof HeadroomError) {
    io.err.write(`error ${e.code}: ${e.message}\n`);
    for (const d of e.details) io.err.write(`${d}\n`);
    if (e.hint) io.err.write(`hint: ${e.hint}\n`);
    return e.exitCode;
  }
  io.err.write(`internal error: ${(e as Error)?.message ?? String(e)}\n`);
  if (process.env.HEADROOM_DEBUG) io.err.write(`${(e as Error)?.stack ?? ''}\n`);
  else io.err.write('This is a bug in Headroom. Re-run with HEADROOM_DEBUG=1 for a stack trace and report it.\n');
  return ExitCode.internal;
}

/** Runs the CLI with `args` and resolves to the exit code. */
export async function main(args: string[], io: Io = processIo()): Promise<number> {
  let code: number = ExitCode.ok;
  try {
    await build(args, io, (n) => (code = n)).parseAsync();
  } catch (e) {
    code = report(io, e);
  }
  return code;
}
