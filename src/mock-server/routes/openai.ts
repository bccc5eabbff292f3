import {
  type ChatMessage,
  type ChatRequest,
  InvalidRequestError,
  isRecord,
  readContentText,
  readMaxTokens,
  readModel,
  type ReplyFormat,
  readStopSequences,
} from "../chat-request.js";
import type { ChatRoute, MockErrorKind } from "./route.js";

/** `POST /v1/chat/completions`, as OpenAI and OpenAI-compatible servers (vLLM, TGI) speak it. */
export const openaiRoute: ChatRoute = {
  name: "openai",
  path: "/v1/chat/completions",
  requestIdHeader: "x-request-id",
  // OpenAI has no 529, so it reports "overloaded" with 503.
  overloadedStatus: 503,

  parseRequest(body) {
    if (!isRecord(body)) throw new InvalidRequestError("the request body must be a JSON object");
    if (body.stream === true) {
      throw new InvalidRequestError(
        "stream: true is not supported by plait mock-server; send stream: false",
      );
    }
    if (body.n !== undefined && body.n !== null && body.n !== 1) {
      throw new InvalidRequestError("n must be 1: plait mock-server returns one choice");
    }
    const model = readModel(body);
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new InvalidRequestError("messages must be a non-empty list");
    }
    const system: string[] = [];
    const messages: ChatMessage[] = [];
    body.messages.forEach((message: unknown, index: number) => {
      if (!isRecord(message) || typeof message.role !== "string") {
        throw new InvalidRequestError(`messages[${index}] must be an object with a role`);
      }
      const text = readContentText(message.content, `messages[${index}].content`);
      if (message.role === "system" || message.role === "developer") system.push(text);
      else messages.push({ role: message.role, text });
    });
    return {
      route: "openai",
      model,
      system: system.join("\n"),
      messages,
      // OpenAI deprecated max_tokens for max_completion_tokens, and clients send either.
      maxTokens:
        readMaxTokens(body.max_completion_tokens, "max_completion_tokens") ??
        readMaxTokens(body.max_tokens, "max_tokens"),
      stopSequences: readStopSequences(body.stop, "stop"),
      format: readResponseFormat(body.response_format),
    } satisfies ChatRequest;
  },

  formatReply(request, reply, context) {
    return {
      body: {
        id: `chatcmpl-mock${context.sequence}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        system_fingerprint: "fp_plait_mock",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: reply.text, refusal: null },
            logprobs: null,
            finish_reason: reply.finishReason === "length" ? "length" : "stop",
          },
        ],
        usage: {
          prompt_tokens: reply.promptTokens,
          completion_tokens: reply.completionTokens,
          total_tokens: reply.promptTokens + reply.completionTokens,
          prompt_tokens_details: { cached_tokens: reply.cacheReadTokens, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
        },
      },
    };
  },

  formatError(kind, message) {
    return { error: { message, ...ERROR_FIELDS[kind], param: null } };
  },
};

const ERROR_FIELDS: Record<MockErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: "invalid_request_error", code: null },
  not_found: { type: "invalid_request_error", code: "unknown_url" },
  rate_limit: { type: "requests", code: "rate_limit_exceeded" },
  server: { type: "server_error", code: null },
  overloaded: { type: "server_error", code: null },
};

function readResponseFormat(value: unknown): ReplyFormat {
  if (value === undefined || value === null) return { kind: "text" };
  if (!isRecord(value)) throw new InvalidRequestError("response_format must be an object");
  switch (value.type) {
    case "text":
      return { kind: "text" };
    case "json_object":
      return { kind: "json" };
    case "json_schema": {
      const spec = value.json_schema;
      if (!isRecord(spec) || !isRecord(spec.schema)) {
        throw new InvalidRequestError("response_format.json_schema.schema must be an object");
      }
      return { kind: "schema", schema: spec.schema };
    }
    default:
      throw new InvalidRequestError(
        "response_format.type must be text, json_object or json_schema, " +
          `received ${String(value.type)}`,
      );
  }
}
