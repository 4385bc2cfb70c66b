/**
 * The CLI entry. It declares commands and lazily imports each one, so `headroom --help` stays fast.
 * Only this file maps errors to exit codes (README "Exit codes"); only entry.ts (which
 * bin/headroom.js runs) calls `process.exit`, once stdout and stderr are written out.
 */
import yargs, { type Argv } from 'yargs';
import { ErrorCode, ExitCode, HeadroomError } from '../errors.js';
import { didYouMean } from '../scenario/did-you-mean.js';
import { ciCheckArgs, ciCheckOptions } from './ci-options.js';
import { checkSingleValues, checkSwitchValues, joinDashedValues, numberArg, numberOption, seedArg, seedOption, switchGivenWord } from './options.js';
import { processIo, type Io } from './output.js';

const EPILOG = `Exit codes: 0 ok · 1 internal error · 2 bad input · 99 an SLO or regression gate failed · 130 interrupted.
Docs: README.md · scenario language: schema/scenario.schema.json`;

type Run = (argv: Record<string, unknown>) => Promise<number> | number;

/** Commands and their subcommands, for naming an unknown one (`loadtest [file]` takes any word: not listed). */
const COMMANDS: Record<string, string[]> = { scenario: ['check', 'show', 'schema'], sim: ['run', 'plan', 'compare'], serve: [], loadtest: [], 'mock-provider': [], workload: ['preview'], ci: ['check'] };

/**
 * `unknown command "sim compare"; sim has: run`, when the words before the options name no command; yargs
 * says "Unknown arguments: compare, a.json, b.json" or only "Did you mean run?".
 */
function unknownCommand(args: string[]): HeadroomError | undefined {
  const [first, second] = args;
  if (first === undefined || first.startsWith('-')) return undefined;
  const sub = COMMANDS[first];
  const [name, known] = sub === undefined ? [first, Object.keys(COMMANDS)] : second !== undefined && !second.startsWith('-') && sub.length > 0 && !sub.includes(second) ? [second, sub] : [];
  if (name === undefined) return undefined;
  const prefix = sub === undefined ? '' : `${first} `;
  const suggestion = didYouMean(name, known!);
  return new HeadroomError(ErrorCode.badArgument, `unknown command "${prefix}${name}"${sub === undefined ? '' : `; ${first} has: ${known!.join(', ')}`}`, {
    hint: suggestion ? `did you mean "${prefix}${suggestion}"?` : `see \`headroom ${prefix}--help\``,
  });
}

/** The options (and positionals) that take a list: every other one given twice is refused (checkSingleValues). */
const LIST_OPTIONS: ReadonlySet<string> = new Set(['set', 'api-key', 'header', 'files', 'variant']);

function build(args: string[], io: Io, setCode: (n: number) => void): Argv {
  const run = (fn: Run) => async (argv: Record<string, unknown>) => {
    checkSingleValues(argv, LIST_OPTIONS);
    setCode(await fn(argv));
  };
  // What yargs parsed, for the failure handler: which options it read as switches (switchGivenWord).
  let parsed: Record<string, unknown> = {};
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
              .option('seed', seedOption("Seed (default: the scenario's)"))
              .option('duration', { type: 'string', describe: 'Simulated duration, e.g. 24h (overrides the scenario)' })
              .option('set', setOption)
              .option('json', { type: 'boolean', default: false, describe: 'Print the JSON report instead of the summary' })
              .option('out', { type: 'string', describe: 'Also write the JSON report to this file' })
              .option('allow-huge-run', { type: 'boolean', default: false, describe: 'Run even when the run would simulate more than 10⁹ turns (hours of CPU); refused without it' })
              .example('$0 sim run scenarios/support-agent.yaml', 'the capacity answer for the support agent')
              .example('$0 sim run scenarios/support-agent.yaml --set users.dailyActive=20000 --out report.json', 'what if traffic quadruples?'),
          run(async (a) =>
            (await import('./commands/sim.js')).simRun(io, a.file as string, {
              ...seedArg(a.seed),
              ...(a.duration !== undefined ? { duration: a.duration as string } : {}),
              set: a.set as string[],
              json: a.json as boolean,
              ...(a.out !== undefined ? { out: a.out as string } : {}),
              allowHugeRun: a.allowHugeRun as boolean,
            }),
          ),
        )
        .command(
          'plan <file>',
          'Find the fewest workers that meet every SLO, by simulation (the same seed at every count)',
          (c) =>
            c
              .positional('file', { type: 'string', demandOption: true, describe: 'Scenario YAML (with an `slo:` section)' })
              .option('seed', seedOption("Seed of every simulation (default: the scenario's)"))
              .option('duration', { type: 'string', describe: 'Simulated duration of each run, e.g. 30m (overrides the scenario)' })
              .option('set', setOption)
              .option('min-workers', numberOption('Fewest workers searched (default: planning.minWorkers)'))
              .option('max-workers', numberOption('Most workers searched (default: 2 slots per conversation at the peak, within planning.maxWorkers)'))
              .option('json', { type: 'boolean', default: false, describe: 'Print the JSON plan instead of the summary' })
              .option('out', { type: 'string', describe: 'Also write the JSON plan to this file' })
              .example('$0 sim plan scenarios/support-agent.yaml', 'the fewest workers that keep the support agent within its SLOs'),
          run(async (a) =>
            (await import('./commands/sim-plan.js')).simPlan(io, a.file as string, {
              ...seedArg(a.seed),
              ...(a.duration !== undefined ? { duration: a.duration as string } : {}),
              set: a.set as string[],
              ...(a.minWorkers !== undefined ? { minWorkers: numberArg(a.minWorkers, '--min-workers') } : {}),
              ...(a.maxWorkers !== undefined ? { maxWorkers: numberArg(a.maxWorkers, '--max-workers') } : {}),
              json: a.json as boolean,
              ...(a.out !== undefined ? { out: a.out as string } : {}),
            }),
          ),
        )
        .command(
          'compare <files..>',
          'Compare what-if variants of a scenario, simulated with one seed, figure by figure against the first',
          (c) =>
            c
              .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Scenario YAML files: each is a variant, the first the baseline' })
              .option('variant', { type: 'string', array: true, default: [] as string[], describe: "The first FILE with overrides, as --set takes them: 'NAME: key=value; key=value' (repeatable)" })
              .option('seed', seedOption("Seed of every variant (default: the first FILE's)"))
              .option('duration', { type: 'string', describe: 'Simulated duration of every variant, e.g. 30m' })
              .option('set', { ...setOption, describe: 'Override a key of every variant (repeatable)' })
              .option('json', { type: 'boolean', default: false, describe: 'Print the JSON comparison instead of the summary' })
              .option('out', { type: 'string', describe: 'Also write the JSON comparison to this file' })
              .example("$0 sim compare scenarios/support-agent.yaml --variant 'haiku: router.default=haiku' --variant 'no cache: cache=false'", 'what a cheaper model or no cache would change'),
          run(async (a) =>
            (await import('./commands/sim-compare.js')).simCompare(io, a.files as string[], {
              variant: a.variant as string[],
              ...seedArg(a.seed),
              ...(a.duration !== undefined ? { duration: a.duration as string } : {}),
              set: a.set as string[],
              json: a.json as boolean,
              ...(a.out !== undefined ? { out: a.out as string } : {}),
            }),
          ),
        )
        .demandCommand(1, 'Choose a sim command: run, plan or compare.'),
    )
    .command(
      'serve',
      'Run the agent gateway: the shared pipeline on HTTP, backed by a mock provider or the Anthropic API',
      (c) =>
        c
          .option('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML (models, limits, router, workers, cache…)' })
          .option('provider', { choices: ['mock', 'anthropic'] as const, default: 'anthropic' as const, describe: 'Where LLM calls go (anthropic uses ANTHROPIC_API_KEY)' })
          .option('provider-url', { type: 'string', describe: 'Provider base URL (a mock provider, or an Anthropic-compatible proxy)' })
          .option('port', numberOption('Port to listen on (0 picks a free one)', 8080))
          .option('host', { type: 'string', default: '127.0.0.1' })
          .option('redis', { type: 'string', describe: 'Share state with other instances, e.g. redis://127.0.0.1:6379' })
          .option('prefix', { type: 'string', default: 'hr', describe: 'Redis key prefix' })
          .option('workers', numberOption("Workers of this instance (default: the scenario's)"))
          .option('concurrency', numberOption("Slots per worker (default: the scenario's)"))
          .option('time-scale', numberOption('Scenario ms per real ms (match a compressed mock provider)', 1))
          .option('api-key', { type: 'string', array: true, default: [] as string[], describe: 'Accepted client API key (repeatable; none: no auth)' })
          .option('client-rpm', numberOption('Requests per minute per client (429 + Retry-After beyond it)'))
          .option('reclaim-after', { type: 'string', default: '30s', describe: 'Take over async tasks pending this long with a silent instance (above 0, at most 24d)' })
          .option('drain-timeout', { type: 'string', default: '30s', describe: 'On SIGTERM, finish in-flight work for at most this long (0s–24d)' })
          .option('log-level', { choices: ['fatal', 'error', 'warn', 'info', 'debug'], default: 'info' })
          .option('instance-id', { type: 'string', describe: 'Name of this instance (async task consumer)' })
          .option('set', setOption)
          .example('$0 serve --scenario scenarios/support-agent.yaml --provider mock --provider-url http://127.0.0.1:4010', 'against a local mock provider')
          .example('ANTHROPIC_API_KEY=… $0 serve --scenario scenarios/support-agent.yaml --redis redis://127.0.0.1:6379', 'against the real API, state in Redis'),
      run(async (a) =>
        (await import('./commands/serve.js')).serve(io, {
          scenario: a.scenario as string,
          provider: a.provider as 'mock' | 'anthropic',
          ...(a.providerUrl !== undefined ? { providerUrl: a.providerUrl as string } : {}),
          port: numberArg(a.port, '--port'),
          host: a.host as string,
          ...(a.redis !== undefined ? { redis: a.redis as string } : {}),
          prefix: a.prefix as string,
          ...(a.workers !== undefined ? { workers: numberArg(a.workers, '--workers') } : {}),
          ...(a.concurrency !== undefined ? { concurrency: numberArg(a.concurrency, '--concurrency') } : {}),
          timeScale: numberArg(a.timeScale, '--time-scale'),
          apiKeys: a.apiKey as string[],
          ...(a.clientRpm !== undefined ? { clientRpm: numberArg(a.clientRpm, '--client-rpm') } : {}),
          reclaimAfter: a.reclaimAfter as string,
          drainTimeout: a.drainTimeout as string,
          set: a.set as string[],
          logLevel: a.logLevel as string,
          ...(a.instanceId !== undefined ? { instanceId: a.instanceId as string } : {}),
        }),
      ),
    )
    .command(
      'loadtest [file]',
      "Replay a scenario's workload against a live target; --compare-sim prints predicted vs measured. `loadtest agent --redis URL` runs a load-generator agent; `loadtest raw --target URL` measures raw throughput",
      (c) =>
        c
          .command(
            'raw',
            'Fixed-request maximum-throughput load (autocannon), for the gateway\'s own overhead: requests/s, latency p50/p90/p99/max, errors by status',
            (r) =>
              r
                .option('target', { type: 'string', demandOption: true, describe: 'URL to load, e.g. http://127.0.0.1:8080/v1/messages (loopback unless --allow-remote)' })
                .option('connections', { ...numberOption('Concurrent connections, one request in flight on each (1–1000)', 10), alias: 'c' })
                .option('duration', { alias: 'd', type: 'string', default: '10s', describe: 'How long to run (1s–10m; whole seconds)' })
                .option('body', { type: 'string', describe: 'File whose contents are the request body (JSON gets content-type application/json)' })
                .option('path', { type: 'string', describe: "Request path (default: the target URL's path)" })
                .option('method', { type: 'string', describe: 'HTTP method (default: POST with --body, else GET)' })
                .option('header', { alias: 'H', type: 'string', array: true, default: [] as string[], describe: 'Request header "name: value" (repeatable)' })
                .option('rate', { ...numberOption('Fixed overall requests/s instead of as fast as possible'), alias: 'R' })
                .option('timeout', { type: 'string', default: '10s', describe: 'A request without a response after this long is a timeout' })
                .option('api-key', { type: 'string', describe: 'Bearer key for the target' })
                .option('allow-remote', { type: 'boolean', default: false, describe: 'Allow a non-loopback target' })
                .option('json', { type: 'boolean', default: false, describe: 'Print the JSON report (kind "raw") instead of the summary' })
                .option('out', { type: 'string', describe: 'Also write the JSON report to this file' })
                .example('$0 loadtest raw --target http://127.0.0.1:8080/v1/messages --body message.json -c 50 -d 30s', 'gateway throughput on one repeated (cached) message')
                .example('$0 loadtest raw --target http://127.0.0.1:8080/healthz --rate 1000 --json', 'latency at a fixed 1,000 requests/s'),
            run(async (a) =>
              (await import('./commands/loadtest-raw.js')).loadtestRaw(io, {
                target: a.target as string,
                connections: numberArg(a.connections, '--connections'),
                duration: a.duration as string,
                ...(a.body !== undefined ? { body: a.body as string } : {}),
                ...(a.path !== undefined ? { path: a.path as string } : {}),
                ...(a.method !== undefined ? { method: a.method as string } : {}),
                header: a.header as string[],
                ...(a.rate !== undefined ? { rate: numberArg(a.rate, '--rate') } : {}),
                timeout: a.timeout as string,
                ...(a.apiKey !== undefined ? { apiKey: a.apiKey as string } : {}),
                allowRemote: a.allowRemote as boolean,
                json: a.json as boolean,
                ...(a.out !== undefined ? { out: a.out as string } : {}),
              }),
            ),
          )
          .positional('file', { type: 'string', describe: 'Scenario YAML (or `agent`)' })
          // yargs options are global by default: `global: false` keeps these out of `loadtest raw`.
          .option('target', { global: false, type: 'string', describe: 'Base URL of the runtime (loopback unless --allow-remote)' })
          .option('time-scale', { ...numberOption('Scenario ms per real ms (the mock provider must use the same)', 1), global: false })
          .option('duration', { global: false, type: 'string', describe: 'Scenario time to replay, e.g. 10m (overrides the scenario)' })
          .option('max-sessions', { ...numberOption('Stop after this many sessions'), global: false })
          .option('seed', { ...seedOption("Seed (default: the scenario's)"), global: false })
          .option('stream', { global: false, type: 'boolean', default: false, describe: 'Stream turns (SSE) and measure TTFT at the client' })
          .option('compare-sim', { global: false, type: 'boolean', default: false, describe: 'Also simulate and print predicted vs measured' })
          .option('allow-remote', { global: false, type: 'boolean', default: false, describe: 'Allow a non-loopback target' })
          .option('api-key', { global: false, type: 'string', describe: 'Bearer key for the target' })
          .option('connections', { ...numberOption('HTTP connections to the target, one turn request on each; a turn that finds none free waits, reported apart from the latency', 128), global: false })
          .option('max-late-share', { ...numberOption('Share of late sends above which the run is invalid (exit 1)', 0.01), global: false })
          .option('agents', { ...numberOption('Load-generator processes sharing the sessions through Redis', 1), global: false })
          .option('redis', { global: false, type: 'string', default: 'redis://127.0.0.1:6379', describe: 'Redis for --agents and for `loadtest agent`' })
          .option('external-agents', { global: false, type: 'boolean', default: false, describe: 'Agents run elsewhere (`headroom loadtest agent --pool NAME`); spawn none here' })
          .option('pool', { global: false, type: 'string', default: 'default', describe: 'Pool of external agents a run is offered to (--external-agents), or that an agent takes runs from' })
          .option('agents-timeout', { global: false, type: 'string', default: '30s', describe: 'How long to wait for the agents to take the run before giving up (exit 1; above 0, at most 24d)' })
          .option('run', { global: false, type: 'string', describe: '(agent) replay this run only: what --agents N starts its agents with' })
          .option('drain-timeout', { global: false, type: 'string', default: '60s', describe: 'After the last arrival, wait at most this long (wall time) for running conversations; then count what is in flight as cut off (exit 1; 0s–24d)' })
          .option('once', { global: false, type: 'boolean', default: false, describe: '(agent) take one run, then exit' })
          .option('set', { ...setOption, global: false })
          .option('json', { global: false, type: 'boolean', default: false })
          .option('out', { global: false, type: 'string', describe: 'Write the JSON report here' })
          .example('$0 loadtest scenarios/support-agent.yaml --target http://127.0.0.1:8080 --time-scale 60 --duration 10m --compare-sim', 'ten scenario minutes in ten real seconds'),
      run(async (a) => {
        const cmd = await import('./commands/loadtest.js');
        if (a.file === 'agent') return cmd.loadtestAgent(io, { redis: a.redis as string, once: a.once as boolean, pool: a.pool as string, ...(a.run !== undefined ? { run: String(a.run as unknown) } : {}) });
        if (a.file === undefined) throw new HeadroomError('HEADROOM_ERR_BAD_ARGUMENT', 'loadtest needs a scenario FILE', { hint: 'headroom loadtest FILE --target URL replays a scenario; headroom loadtest raw --target URL measures raw throughput' });
        if (a.target === undefined) throw new HeadroomError('HEADROOM_ERR_BAD_ARGUMENT', 'loadtest needs --target URL (the runtime to load)', { hint: 'e.g. --target http://127.0.0.1:8080' });
        return cmd.loadtest(io, a.file as string, {
          target: a.target as string,
          timeScale: numberArg(a.timeScale, '--time-scale'),
          ...(a.duration !== undefined ? { duration: a.duration as string } : {}),
          ...(a.maxSessions !== undefined ? { maxSessions: numberArg(a.maxSessions, '--max-sessions') } : {}),
          ...seedArg(a.seed),
          set: a.set as string[],
          json: a.json as boolean,
          ...(a.out !== undefined ? { out: a.out as string } : {}),
          compareSim: a.compareSim as boolean,
          stream: a.stream as boolean,
          allowRemote: a.allowRemote as boolean,
          ...(a.apiKey !== undefined ? { apiKey: a.apiKey as string } : {}),
          connections: numberArg(a.connections, '--connections'),
          maxLateShare: numberArg(a.maxLateShare, '--max-late-share'),
          agents: numberArg(a.agents, '--agents'),
          redis: a.redis as string,
          externalAgents: a.externalAgents as boolean,
          drainTimeout: a.drainTimeout as string,
          pool: a.pool as string,
          agentsTimeout: a.agentsTimeout as string,
        });
      }),
    )
    .command(
      'mock-provider',
      "Serve a scenario's provider (latency, limits, faults, prompt caching) as an Anthropic-compatible API",
      (c) =>
        c
          .option('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML whose models, limits and faults the mock serves' })
          .option('port', numberOption('Port to listen on (0 picks a free one)', 4010))
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on' })
          .option('time-scale', numberOption('Scenario ms per real ms: latencies K× shorter, per-minute limits K× per real minute', 1))
          .option('seed', seedOption("Seed for latency and fault draws (default: the scenario's)"))
          .option('set', setOption)
          .example('$0 mock-provider --scenario scenarios/support-agent.yaml', 'an Anthropic-compatible endpoint on http://127.0.0.1:4010')
          .example('$0 mock-provider --scenario scenarios/support-agent.yaml --time-scale 60', 'replay a scenario hour in a real minute'),
      run(async (a) =>
        (await import('./commands/mock-provider.js')).mockProvider(io, {
          scenario: a.scenario as string,
          port: numberArg(a.port, '--port'),
          host: a.host as string,
          timeScale: numberArg(a.timeScale, '--time-scale'),
          ...seedArg(a.seed),
          set: a.set as string[],
        }),
      ),
    )
    .command('workload', 'Inspect the deterministic workload a scenario generates', (y) =>
      y
        .command(
          'preview <file>',
          'Print the first sessions and turns the workload stream generates for a seed',
          (c) =>
            c
              .positional('file', { type: 'string', demandOption: true })
              .option('sessions', numberOption('How many sessions to print', 5))
              .option('seed', seedOption("Seed (default: the scenario's)"))
              .option('json', { type: 'boolean', default: false, describe: 'One JSON object per session (NDJSON)' })
              .option('set', setOption),
          run(async (a) => (await import('./commands/workload.js')).workloadPreview(io, a.file as string, { sessions: numberArg(a.sessions, '--sessions'), ...seedArg(a.seed), json: a.json as boolean, set: a.set as string[] })),
        )
        .demandCommand(1, 'Choose a workload command: preview.'),
    )
    .command('ci', 'Gate CI on regressions of throughput, cost, latency and errors against a baseline report', (y) =>
      y
        .command(
          'check [file]',
          'Compare the current figures (simulate FILE, or --report) with a baseline report: exit 0 pass, 99 a regression beyond a limit, 2 bad input',
          (c) => ciCheckOptions(c, setOption),
          run(async (a) => (await import('./commands/ci.js')).ciCheck(io, ciCheckArgs(a))),
        )
        .demandCommand(1, 'Choose a ci command: check.'),
    )
    // Before validation, so a switch given a value is named as such rather than as an unknown argument.
    .middleware((argv) => {
      parsed = argv;
      checkSwitchValues(args, argv);
    }, true)
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
      if (msg && /^(Unknown arguments?:|Did you mean )/.test(msg)) {
        const unknown = unknownCommand(args);
        if (unknown) throw unknown;
        const words = /^Unknown arguments?: (.*)$/.exec(msg)?.[1]?.split(', ') ?? [];
        const switchWord = switchGivenWord(args, parsed, words);
        if (switchWord) throw switchWord;
      }
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
    await build(joinDashedValues(args), io, (n) => (code = n)).parseAsync();
  } catch (e) {
    code = report(io, e);
  }
  return code;
}
