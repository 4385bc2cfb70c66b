/**
 * The one error catalogue. Every error a user can see has a stable code (`HEADROOM_ERR_…`), a message
 * that says what went wrong, and a hint that says what to do. Only the CLI entry maps them to exit
 * codes and calls `process.exit`. Leaf module: imports nothing.
 */

/** Documented, stable exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  badInput: 2,
  /** An SLO or regression gate failed, or a load test's requests all failed (none answered successfully). */
  gateFailed: 99,
  /** Stopped by Ctrl-C (128 + SIGINT); what was measured until then is reported. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const ErrorCode = {
  scenarioInvalid: 'HEADROOM_ERR_SCENARIO_INVALID',
  fileNotFound: 'HEADROOM_ERR_FILE_NOT_FOUND',
  fileTooLarge: 'HEADROOM_ERR_FILE_TOO_LARGE',
  badArgument: 'HEADROOM_ERR_BAD_ARGUMENT',
  unknownModel: 'HEADROOM_ERR_UNKNOWN_MODEL',
  unknownPrice: 'HEADROOM_ERR_UNKNOWN_PRICE',
  /** A report file (`ci check --baseline` / `--report`) that is not JSON, not a report, or breaks its schema. */
  reportInvalid: 'HEADROOM_ERR_REPORT_INVALID',
  /** Two reports `ci check` will not compare: another scenario, seed, duration or time scale, or a prediction against a measurement on timing figures. */
  notComparable: 'HEADROOM_ERR_NOT_COMPARABLE',
  redisUnavailable: 'HEADROOM_ERR_REDIS_UNAVAILABLE',
  /** A distributed load test's agents did not claim the run, or did not report. */
  agentsUnavailable: 'HEADROOM_ERR_AGENTS_UNAVAILABLE',
  internal: 'HEADROOM_ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const exitCodeOf: Record<ErrorCode, ExitCode> = {
  HEADROOM_ERR_SCENARIO_INVALID: ExitCode.badInput,
  HEADROOM_ERR_FILE_NOT_FOUND: ExitCode.badInput,
  HEADROOM_ERR_FILE_TOO_LARGE: ExitCode.badInput,
  HEADROOM_ERR_BAD_ARGUMENT: ExitCode.badInput,
  HEADROOM_ERR_UNKNOWN_MODEL: ExitCode.badInput,
  HEADROOM_ERR_UNKNOWN_PRICE: ExitCode.badInput,
  HEADROOM_ERR_REPORT_INVALID: ExitCode.badInput,
  HEADROOM_ERR_NOT_COMPARABLE: ExitCode.badInput,
  HEADROOM_ERR_REDIS_UNAVAILABLE: ExitCode.internal,
  HEADROOM_ERR_AGENTS_UNAVAILABLE: ExitCode.internal,
  HEADROOM_ERR_INTERNAL: ExitCode.internal,
};

/** An error meant for the user: printed as `message` (+ `hint`), never as a stack trace. */
export class HeadroomError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Extra lines printed under the message (e.g. every located scenario problem). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: readonly string[]; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'HeadroomError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }

  get exitCode(): ExitCode {
    return exitCodeOf[this.code];
  }
}
