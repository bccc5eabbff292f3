import {
  type ChatMessage,
  type ChatRequest,
  InvalidRequestError,
  isRecord,
  readContentText,
  readModel,
  type ReplyFormat,
  readStopSequences,
} from "../chat-request.js";
import type { ChatRoute } from "./route.js";

/** `POST /api/chat`, Ollama's chat API. */
export const ollamaRoute: ChatRoute = {
  name: "ollama",
  path: "/api/chat",
  // Ollama has no 529, so a busy server replies 503.
  overloadedStatus: 503,

  parseRequest(body) {
    if (!isRecord(body)) throw new InvalidRequestError("the request body must be a JSON object");
    const model = readModel(body);
    if (!Array.isArray(body.messages)) throw new InvalidRequestError("messages must be a list");
    const system: string[] = [];
    const messages: ChatMessage[] = [];
    body.messages.forEach((message: unknown, index: number) => {
      if (!isRecord(message) || typeof message.role !== "string") {
        throw new InvalidRequestError(`messages[${index}] must be an object with a role`);
      }
      const text = readContentText(message.content, `messages[${index}].content`);
      if (message.role === "system") system.push(text);
      else messages.push({ role: message.role, text });
    });
    const options = isRecord(body.options) ? body.options : {};
    return {
      route: "ollama",
      model,
      system: system.join("\n"),
      messages,
      maxTokens: readNumPredict(options.num_predict),
      stopSequences: readStopSequences(options.stop, "options.stop"),
      format: readFormat(body.format),
      isNdjsonStream: body.stream !== false,
    } satisfies ChatRequest;
  },

  formatReply(request, reply, context) {
    const omitsPromptCount = context.omitCachedPromptEvalCount && reply.isRepeatedPrompt;
    // Durations are in nanoseconds in Ollama's API. The mock reports a
    // nominal 1 ms per token.
    const body = {
      model: request.model,
      created_at: new Date().toISOString(),
      message: { role: "assistant", content: reply.text },
      done_reason: reply.finishReason === "length" ? "length" : "stop",
      done: true,
      total_duration: (reply.promptTokens + reply.completionTokens) * 1_000_000,
      load_duration: 0,
      ...(omitsPromptCount ? {} : { prompt_eval_count: reply.promptTokens }),
      prompt_eval_duration: reply.promptTokens * 1_000_000,
      eval_count: reply.completionTokens,
      eval_duration: reply.completionTokens * 1_000_000,
    };
    return {
      body,
      isNdjson: request.isNdjsonStream === true,
      isPromptCountOmitted: omitsPromptCount,
    };
  },

  formatError(_kind, message) {
    return { error: message };
  },
};

/** num_predict of -1 (no limit) or -2 (fill the context) means no limit here. */
function readNumPredict(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidRequestError("options.num_predict must be a whole number");
  }
  return value > 0 ? value : undefined;
}

function readFormat(value: unknown): ReplyFormat {
  if (value === undefined || value === null || value === "") return { kind: "text" };
  if (value === "json") return { kind: "json" };
  if (isRecord(value)) return { kind: "schema", schema: value };
  throw new InvalidRequestError(
    `format must be "json" or a JSON Schema object, received ${JSON.stringify(value)}`,
  );
}
