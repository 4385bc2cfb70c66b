/**
 * What the workload stream yields: sessions in arrival order, each with its turns and the LLM calls of
 * each turn. Everything here is decided by (scenario, seed, session id) alone; the simulator and the
 * load tester replay exactly these values.
 */

export interface Call {
  /** 1-based position in the turn's agent loop. */
  index: number;
  /** Output tokens this call will produce (the mock provider is told; the simulator uses it). */
  outputTokens: number;
  /** Tool time after this call before the next call of the turn (0 after the last call). */
  toolLatencyAfterMs: number;
  /** Tokens the tool result adds to the context for the next call (0 after the last call). */
  toolResultTokens: number;
}

export interface Turn {
  /** 1-based. */
  index: number;
  /** Tokens of the user's message. */
  userTokens: number;
  /** Identity of the prompt for exact-match caching: `faq-<k>` for repeats, `s<id>-t<n>` otherwise. */
  promptKey: string;
  /** The prompt is one of the FAQ-like repeats (a candidate for a cache hit). */
  repeated: boolean;
  calls: Call[];
  /** The user's think time after the answer, before the next turn (0 after the last turn). */
  thinkTimeAfterMs: number;
}

export interface Session {
  /** 0-based position in the arrival stream; unique within (scenario, seed). */
  id: number;
  /** Arrival time, ms from the start of the run. */
  startAtMs: number;
  /** Queue priority class of every request of the session. */
  priority: string;
  turns: Turn[];
}
