import Anthropic from "@anthropic-ai/sdk";
import type {
  Message,
  MessageCreateParamsNonStreaming,
} from "@anthropic-ai/sdk/resources/messages";
import { ProviderError } from "../provider-error.js";
import type { EndpointConfig, LlmClient, LlmReply, LlmRequest } from "../types.js";
import { createEndpointFetch, sdkClientOptions, type EndpointFetch } from "./endpoint-fetch.js";
import { fromSdkError } from "./sdk-error.js";

/** The Messages API requires max_tokens; this is sent when a node sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const JSON_INSTRUCTION =
  "Reply with one JSON value only: no prose, no Markdown code fence.";

/**
 * Messages over @anthropic-ai/sdk, with the SDK's retries off. `base_url`
 * is the server root (the SDK adds /v1/messages).
 */
export class AnthropicClient implements LlmClient {
  private readonly sdk: Anthropic;
  private readonly http: EndpointFetch;
  private readonly apiKey: string;

  constructor(private readonly endpoint: EndpointConfig) {
    this.apiKey = resolveAnthropicKey(endpoint);
    this.http = createEndpointFetch(endpoint.maxConcurrent);
    this.sdk = new Anthropic(sdkClientOptions(endpoint, this.apiKey, this.http));
  }

  async complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    const timeout = request.timeoutMs ?? this.endpoint.timeoutMs;
    let message: Message;
    let requestId: string | null | undefined;
    try {
      const params = buildAnthropicParams(this.endpoint, request);
      const call = this.sdk.messages.create(params, { signal, timeout });
      ({ data: message, request_id: requestId } = await call.withResponse());
    } catch (error) {
      throw fromSdkError(error, { ...this.endpoint, apiKey: this.apiKey }, Anthropic);
    }
    return readAnthropicReply(message, requestId ?? undefined);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

function resolveAnthropicKey(endpoint: EndpointConfig): string {
  const key = endpoint.apiKey || process.env.ANTHROPIC_API_KEY;
  if (key === undefined || key === "") {
    throw new Error(
      `endpoint "${endpoint.name}" has no API key: set api_key in the resource file ` +
        "or the ANTHROPIC_API_KEY environment variable",
    );
  }
  return key;
}

/**
 * NOTE: @anthropic-ai/sdk 1.17 no longer types `temperature`, because newer
 * models deprecate it. It is still sent when a node sets one, and a model
 * that rejects it fails the call with the API's own message.
 */
type AnthropicParams = MessageCreateParamsNonStreaming & { temperature?: number };

/**
 * Builds the Messages request. JSON is requested in the system prompt,
 * with the schema when there is one, because every Claude model follows
 * that; `output_config.format` is left out since not every model has it.
 */
export function buildAnthropicParams(
  endpoint: EndpointConfig,
  request: LlmRequest,
): AnthropicParams {
  const params: AnthropicParams = {
    model: endpoint.model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: [{ role: "user", content: request.prompt }],
  };
  const systemParts: string[] = [];
  if (request.system !== undefined) systemParts.push(request.system);
  if (request.jsonSchema !== undefined) {
    systemParts.push(
      `${JSON_INSTRUCTION} It must meet this JSON Schema: ${JSON.stringify(request.jsonSchema)}`,
    );
  } else if (request.isJson === true) {
    systemParts.push(JSON_INSTRUCTION);
  }
  if (systemParts.length > 0) params.system = systemParts.join("\n\n");
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.stop !== undefined && request.stop.length > 0) {
    params.stop_sequences = request.stop;
  }
  return params;
}

/**
 * Anthropic's `input_tokens` leaves out the cache reads and cache writes,
 * so the logical prompt size is the sum of the three.
 */
export function readAnthropicReply(message: Message, requestId: string | undefined): LlmReply {
  if (!Array.isArray(message?.content)) {
    throw new ProviderError("invalid reply from anthropic: no content", {
      provider: "anthropic",
      kind: "permanent",
      requestId,
    });
  }
  let text = "";
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
  }
  const usage = message.usage;
  const cachedInputTokens = usage?.cache_read_input_tokens ?? 0;
  const cacheWriteTokens = usage?.cache_creation_input_tokens ?? 0;
  const uncachedTokens = usage?.input_tokens;
  return {
    text,
    usage: {
      inputTokens:
        typeof uncachedTokens === "number"
          ? uncachedTokens + cachedInputTokens + cacheWriteTokens
          : null,
      outputTokens: usage?.output_tokens ?? null,
      cachedInputTokens,
      cacheWriteTokens,
    },
    isTruncated: message.stop_reason === "max_tokens",
    requestId,
  };
}
