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

/** `POST /v1/messages`, the Anthropic Messages API. */
export const anthropicRoute: ChatRoute = {
  name: "anthropic",
  path: "/v1/messages",
  requestIdHeader: "request-id",
  overloadedStatus: 529,

  parseRequest(body) {
    if (!isRecord(body)) throw new InvalidRequestError("the request body must be a JSON object");
    if (body.stream === true) {
      throw new InvalidRequestError(
        "stream: true is not supported by plait mock-server; send stream: false",
      );
    }
    const model = readModel(body);
    // Anthropic requires max_tokens, so the mock does too.
    const maxTokens = readMaxTokens(body.max_tokens, "max_tokens");
    if (maxTokens === undefined) throw new InvalidRequestError("max_tokens: Field required");
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new InvalidRequestError("messages must be a non-empty list");
    }
    const messages: ChatMessage[] = body.messages.map((message: unknown, index: number) => {
      if (!isRecord(message) || (message.role !== "user" && message.role !== "assistant")) {
        throw new InvalidRequestError(`messages.${index}.role must be "user" or "assistant"`);
      }
      const text = readContentText(message.content, `messages.${index}.content`);
      return { role: message.role, text };
    });
    const system = readContentText(body.system, "system");
    return {
      route: "anthropic",
      model,
      system,
      messages,
      maxTokens,
      stopSequences: readStopSequences(body.stop_sequences, "stop_sequences"),
      format: readReplyFormat(body, system),
    } satisfies ChatRequest;
  },

  formatReply(request, reply, context) {
    // Anthropic's input_tokens leaves out cache reads and writes, so the
    // logical prompt size is the sum of the three fields.
    const inputTokens = reply.promptTokens - reply.cacheReadTokens - reply.cacheWriteTokens;
    return {
      body: {
        id: `msg_mock${context.sequence}`,
        type: "message",
        role: "assistant",
        model: request.model,
        content: [{ type: "text", text: reply.text }],
        stop_reason: STOP_REASONS[reply.finishReason],
        stop_sequence: reply.stopSequence ?? null,
        usage: {
          input_tokens: inputTokens,
          output_tokens: reply.completionTokens,
          cache_creation_input_tokens: reply.cacheWriteTokens,
          cache_read_input_tokens: reply.cacheReadTokens,
        },
      },
    };
  },

  formatError(kind, message, requestId) {
    return { type: "error", error: { type: ERROR_TYPES[kind], message }, request_id: requestId };
  },
};

const STOP_REASONS = { stop: "end_turn", length: "max_tokens", stop_sequence: "stop_sequence" };

const ERROR_TYPES: Record<MockErrorKind, string> = {
  invalid_request: "invalid_request_error",
  not_found: "not_found_error",
  rate_limit: "rate_limit_error",
  server: "api_error",
  overloaded: "overloaded_error",
};

/**
 * Structured output (`output_config.format`, or the older beta
 * `output_format`) gives a schema. Otherwise a system prompt that mentions
 * JSON gets a JSON reply, shaped by a schema written in the prompt if any.
 */
function readReplyFormat(body: Record<string, unknown>, system: string): ReplyFormat {
  const config = isRecord(body.output_config) ? body.output_config : {};
  const format = config.format ?? body.output_format;
  if (isRecord(format) && format.type === "json_schema") {
    if (!isRecord(format.schema)) {
      throw new InvalidRequestError("output_config.format.schema must be an object");
    }
    return { kind: "schema", schema: format.schema };
  }
  return /\bJSON\b/i.test(system) ? { kind: "json" } : { kind: "text" };
}
