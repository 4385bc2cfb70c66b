/**
 * Suffixes of the keys that name a conversation's parts (`s12/t3/c1/a2`: session, turn, call, attempt;
 * `/u` the user message, `/r1` a tool result), built once for small indexes. A simulated LLM call
 * builds about five of them; as template literals each was a number-to-string conversion and a
 * concatenation (≈ 4 % of a simulated day's instructions, with the concatenations they feed).
 */
const CACHED = 64;

function table(tag: string): readonly string[] {
  return Array.from({ length: CACHED }, (_, i) => `${tag}${i}`);
}

const TURN = table('/t');
const CALL = table('/c');
const TOOL_RESULT = table('/r');
const ATTEMPT = table('/a');

/** `/t<i>`: a turn of a session. */
export function turnSuffix(i: number): string {
  return i < CACHED ? TURN[i]! : `/t${i}`;
}

/** `/c<i>`: a call of a turn (and the answer it added to the conversation). */
export function callSuffix(i: number): string {
  return i < CACHED ? CALL[i]! : `/c${i}`;
}

/** `/r<i>`: the tool result after call i. */
export function toolResultSuffix(i: number): string {
  return i < CACHED ? TOOL_RESULT[i]! : `/r${i}`;
}

/** `/a<i>`: an attempt of a call. */
export function attemptSuffix(i: number): string {
  return i < CACHED ? ATTEMPT[i]! : `/a${i}`;
}
