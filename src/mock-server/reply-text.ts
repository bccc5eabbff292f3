import type { Random } from "../util/clock.js";
import { charsForTokens, estimateReplyTokens } from "./tokens.js";

// Plain words, so replies read as text and contain no JSON or template syntax.
const WORDS = [
  "the", "record", "shows", "a", "clear", "pattern", "in", "recent", "orders", "and",
  "customer", "reports", "billing", "issue", "with", "account", "after", "update", "team",
  "should", "review", "summary", "before", "next", "step", "this", "ticket", "mentions",
  "delay", "payment", "service", "quality", "request", "for", "refund", "was", "handled",
  "quickly", "by", "support", "agent", "who", "confirmed", "details", "overall", "tone",
  "is", "calm", "but", "urgent", "please", "check", "logs", "from", "last", "week", "data",
  "suggests", "minor", "bug", "on", "login", "page", "user", "expects", "reply", "today",
  "priority", "medium", "high", "low", "result", "looks", "consistent", "across", "batch",
  "model", "output", "matches", "expected", "format", "noted", "further", "action", "needed",
];

/** Words from `random`, as one or more sentences. */
export function generateWords(random: Random, minWords: number, maxWords: number): string {
  const count = minWords + Math.floor(random() * (maxWords - minWords + 1));
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    let word = WORDS[Math.floor(random() * WORDS.length)] ?? "the";
    const isSentenceStart = i === 0 || words[i - 1]?.endsWith(".") === true;
    if (isSentenceStart) word = word.charAt(0).toUpperCase() + word.slice(1);
    const isSentenceEnd = i === count - 1 || random() < 0.08;
    words.push(isSentenceEnd ? `${word}.` : word);
  }
  return words.join(" ");
}

/** The reason a reply ended, in neutral terms. Each route maps it to its own field. */
export type FinishReason = "stop" | "length" | "stop_sequence";

export interface ShapedReply {
  text: string;
  finishReason: FinishReason;
  /** The stop sequence that ended the reply, for `finishReason` "stop_sequence". */
  stopSequence?: string;
  completionTokens: number;
}

/**
 * Cuts a full reply the way a model would stop: at the first stop sequence
 * (left out of the text, as OpenAI, Anthropic and Ollama do), else at
 * `maxTokens` tokens under the mock's chars/4 rule.
 */
export function shapeReply(
  fullText: string,
  maxTokens: number | undefined,
  stopSequences: string[],
): ShapedReply {
  let stopIndex = -1;
  let stopSequence: string | undefined;
  for (const sequence of stopSequences) {
    const index = fullText.indexOf(sequence);
    if (index >= 0 && (stopIndex < 0 || index < stopIndex)) {
      stopIndex = index;
      stopSequence = sequence;
    }
  }
  let text = stopIndex >= 0 ? fullText.slice(0, stopIndex) : fullText;
  if (maxTokens !== undefined && estimateReplyTokens(text) > maxTokens) {
    text = text.slice(0, charsForTokens(maxTokens));
    return { text, finishReason: "length", completionTokens: maxTokens };
  }
  const completionTokens = estimateReplyTokens(text);
  if (stopSequence !== undefined) {
    return { text, finishReason: "stop_sequence", stopSequence, completionTokens };
  }
  return { text, finishReason: "stop", completionTokens };
}
