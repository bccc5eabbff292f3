import type { ChatRequest } from "./chat-request.js";
import { findSchemaInText, generateJsonValue } from "./json-reply.js";
import type { PromptCache } from "./prompt-cache.js";
import { createSeededRandom, hashText } from "./random.js";
import { type FinishReason, generateWords, shapeReply } from "./reply-text.js";
import { estimateTokens } from "./tokens.js";

/** A reply and its usage, before a route puts them in its provider's shape. */
export interface GeneratedReply {
  text: string;
  finishReason: FinishReason;
  stopSequence?: string;
  /** Logical prompt size: cached and uncached tokens together. */
  promptTokens: number;
  completionTokens: number;
  /** Part of `promptTokens` read from the simulated prompt cache. */
  cacheReadTokens: number;
  /** Part of `promptTokens` written to the simulated prompt cache. */
  cacheWriteTokens: number;
  /** True when this exact prompt reached this model before. */
  isRepeatedPrompt: boolean;
}

/**
 * Generates the reply to `request`. Text and usage depend only on the model
 * and the messages (and, for cached-token fields, on the prompts seen
 * before), so the same request always gets the same reply. The token limit
 * and stop sequences cut the reply but do not change it, so a truncated reply
 * is a prefix of the full one.
 */
export function generateReply(request: ChatRequest, cache: PromptCache): GeneratedReply {
  const parts = [request.system, ...request.messages.map((message) => message.text)];
  const promptText = parts.filter((part) => part !== "").join("\n");
  const random = createSeededRandom(hashText(`${request.model}\n${promptText}`));
  const fullText = generateFullText(request, promptText, random);
  const shaped = shapeReply(fullText, request.maxTokens, request.stopSequences);

  const systemTokens = request.system === "" ? 0 : estimateTokens(request.system);
  const cacheUse = cache.lookupSystemPrompt(request.model, request.system, systemTokens);
  return {
    text: shaped.text,
    finishReason: shaped.finishReason,
    stopSequence: shaped.stopSequence,
    promptTokens: estimateTokens(promptText),
    completionTokens: shaped.completionTokens,
    cacheReadTokens: cacheUse.readTokens,
    cacheWriteTokens: cacheUse.writeTokens,
    isRepeatedPrompt: cache.markPromptSeen(request.model, promptText),
  };
}

function generateFullText(request: ChatRequest, promptText: string, random: () => number): string {
  if (request.format.kind === "text") return generateWords(random, 12, 60);
  const schema =
    request.format.kind === "schema" ? request.format.schema : findSchemaInText(promptText);
  const value =
    schema === undefined
      ? { answer: generateWords(random, 4, 16) }
      : generateJsonValue(schema, random);
  const json = JSON.stringify(value);
  // A reply prefilled with the start of the JSON (a last assistant message
  // "{", a common way to ask Claude for JSON) continues after the prefill.
  const last = request.messages.at(-1);
  if (last?.role === "assistant") {
    const prefill = last.text.trimEnd();
    if (prefill !== "" && json.startsWith(prefill)) return json.slice(prefill.length);
  }
  return json;
}
