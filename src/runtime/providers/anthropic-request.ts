/**
 * A pipeline ProviderRequest as an Anthropic Messages request: which segment is the system prompt,
 * which are user-side and which assistant-side, merged so roles alternate, with the two prompt-cache
 * breakpoints our prompt-cache model assumes (end of the system prompt, end of the prompt).
 *
 * Roles by segment key (Conversation in src/core/context.ts):
 *
 *   system                      first segment → `system`
 *   …/t<N>/u                    the user's message                    → user
 *   …/t<N>/c<M>                 an answer of call M of turn N          → assistant
 *   …/t<N>/r<M>                 a tool result (no real tool runs)      → user (text, not tool_result)
 *   …/summary<n>                a summary of earlier turns             → user (context)
 *   anything else               → user
 */
import type { CacheControlEphemeral, MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages.js';
import type { Segment } from '../../core/context.js';
import { textFor } from '../../workload/text.js';
import type { TextStore } from './text-store.js';

type Side = 'user' | 'assistant';

/**
 * Added when the prompt would otherwise end on the assistant side: a summarising call reads whole past
 * turns, and a turn ends with the last call's answer. Anthropic would treat a trailing assistant
 * message as a prefill to continue, not as a conversation to summarise. Its few tokens are the one
 * place where the request differs from the segments; the mock counts the segments (wire header).
 */
export const SUMMARY_INSTRUCTION = 'Summarise the conversation above.';
/** The same for a prompt that starts or ends on the assistant side outside a summary (not produced by Conversation). */
export const CONTINUE_TEXT = 'Continue.';

export interface AnthropicPrompt {
  system: TextBlockParam[] | undefined;
  messages: MessageParam[];
}

const ANSWER = /\/c\d+$/;

export function sideOf(key: string): Side {
  return ANSWER.test(key) ? 'assistant' : 'user';
}

/** The request key of an attempt without its `/a<K>` suffix: the call's identity. */
function callKeyOf(requestKey: string): string | undefined {
  const m = /^(.*)\/a\d+$/.exec(requestKey);
  return m?.[1];
}

/** Whether the request is the summarising call of a turn (`…/t<N>/summary/a<K>`). */
export function isSummaryCall(requestKey: string): boolean {
  return callKeyOf(requestKey)?.endsWith('/summary') ?? false;
}

/**
 * The segment key under which the conversation records this call's answer: `…/t<N>/c<M>` for the
 * request key `…/t<N>/c<M>/a<K>` (Conversation.recordCall). Undefined for a summarising call — its
 * segment number is decided later by Conversation.applySummary, so the runtime stores that text from
 * the result — and for request keys of another shape.
 */
export function answerKeyOf(requestKey: string): string | undefined {
  const callKey = callKeyOf(requestKey);
  return callKey !== undefined && ANSWER.test(callKey) ? callKey : undefined;
}

/** The text of a segment: what the runtime stored for it, else synthetic text of its exact token count. */
function textOf(s: Segment, texts: TextStore): string {
  const stored = texts.get(s.key);
  // Anthropic rejects empty text blocks.
  return stored !== undefined && stored.trim() !== '' ? stored : textFor(s.key, s.tokens);
}

/**
 * Builds `system` and `messages` from the segments. `cacheControl` undefined sends no breakpoints
 * (a model without prompt caching must not pay for cache writes the plan did not count).
 */
export function buildPrompt(
  segments: readonly Segment[],
  texts: TextStore,
  opts: { summary: boolean; cacheControl: CacheControlEphemeral | undefined },
): AnthropicPrompt {
  let system: TextBlockParam[] | undefined;
  let from = 0;
  // `system` for conversations; `<request>/system` for the pass-through, whose system text is the client's own.
  const first = segments[0]?.key;
  if (first === 'system' || first?.endsWith('/system')) {
    system = [{ type: 'text', text: textOf(segments[0]!, texts) }];
    from = 1;
  }

  const messages: { role: Side; content: TextBlockParam[] }[] = [];
  const push = (role: Side, text: string) => {
    const last = messages[messages.length - 1];
    if (last?.role === role) last.content.push({ type: 'text', text });
    else messages.push({ role, content: [{ type: 'text', text }] });
  };
  for (let i = from; i < segments.length; i++) {
    const s = segments[i]!;
    push(sideOf(s.key), textOf(s, texts));
  }

  // Anthropic wants the first message from the user and the last one user-side (see SUMMARY_INSTRUCTION).
  if (messages[0]?.role !== 'user') messages.unshift({ role: 'user', content: [{ type: 'text', text: CONTINUE_TEXT }] });
  if (messages[messages.length - 1]!.role !== 'user') push('user', opts.summary ? SUMMARY_INSTRUCTION : CONTINUE_TEXT);

  if (opts.cacheControl) {
    if (system) system[system.length - 1]!.cache_control = { ...opts.cacheControl };
    const lastContent = messages[messages.length - 1]!.content;
    lastContent[lastContent.length - 1]!.cache_control = { ...opts.cacheControl };
  }
  return { system, messages };
}
