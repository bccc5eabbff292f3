/**
 * Token counts in the mock are an estimate of one token per four characters,
 * rounded up: `ceil(chars / 4)`, and at least 1 for any prompt. The prompt's
 * text is every message's text (system prompt first) joined with "\n".
 * Real tokenizers differ, but tests need counts that are stable and easy to predict.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Like `estimateTokens`, but an empty reply is 0 tokens. */
export function estimateReplyTokens(text: string): number {
  return text.length === 0 ? 0 : estimateTokens(text);
}

/** Characters that fit in `tokens` under the same rule. */
export function charsForTokens(tokens: number): number {
  return tokens * 4;
}
