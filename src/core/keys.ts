/**
 * Suffixes of the keys that name a conversation's parts (`s12/t3/c1/a2`: session, turn, call, attempt;
 * `/u` the user message, `/r1` a tool result), built once for small indexes. A simulated LLM call
 * builds about five of them; as template literals each was a number-to-string conversion and a
 * concatenation (the tables, with the pipeline taking its turn key from the conversation, saved 1 % of
 * a simulated day's instructions).
 */
const CACHED = 64;

/** `(i) => tag + i`, answered from a table below CACHED. */
function suffixes(tag: string): (i: number) => string {
  const table = Array.from({ length: CACHED }, (_, i) => `${tag}${i}`);
  return (i) => (i >= 0 && i < CACHED ? table[i]! : `${tag}${i}`);
}

/** `/t<i>`: a turn of a session. */
export const turnSuffix = suffixes('/t');
/** `/c<i>`: a call of a turn (and the answer it added to the conversation). */
export const callSuffix = suffixes('/c');
/** `/r<i>`: the tool result after call i. */
export const toolResultSuffix = suffixes('/r');
/** `/a<i>`: an attempt of a call. */
export const attemptSuffix = suffixes('/a');
