import OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { ProviderError } from "../provider-error.js";
import type { EndpointConfig, LlmClient, LlmReply, LlmRequest } from "../types.js";
import { createEndpointFetch, sdkClientOptions, type EndpointFetch } from "./endpoint-fetch.js";
import { fromSdkError } from "./sdk-error.js";

/**
 * Chat completions over the openai SDK, for provider `openai` and for the
 * OpenAI-compatible servers `vllm` and `tgi` at their `base_url`. The SDK's
 * own retries are off: every retry is the resource manager's to count.
 */
export class OpenAiClient implements LlmClient {
  private readonly sdk: OpenAI;
  private readonly http: EndpointFetch;
  private readonly apiKey: string;

  constructor(private readonly endpoint: EndpointConfig) {
    this.apiKey = resolveOpenAiKey(endpoint);
    this.http = createEndpointFetch(endpoint.maxConcurrent);
    this.sdk = new OpenAI(sdkClientOptions(endpoint, this.apiKey, this.http));
  }

  async complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    const timeout = request.timeoutMs ?? this.endpoint.timeoutMs;
    let completion: ChatCompletion;
    let requestId: string | null;
    try {
      const params = buildOpenAiParams(this.endpoint, request);
      const call = this.sdk.chat.completions.create(params, { signal, timeout });
      ({ data: completion, request_id: requestId } = await call.withResponse());
    } catch (error) {
      throw fromSdkError(error, { ...this.endpoint, apiKey: this.apiKey }, OpenAI);
    }
    return readOpenAiReply(completion, requestId ?? undefined, this.endpoint);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/**
 * Resolves the key for an endpoint: its own, else OPENAI_API_KEY for
 * provider openai. Self-hosted vllm and tgi servers usually need none, and the SDK
 * insists on one, so they get the conventional placeholder "EMPTY".
 */
function resolveOpenAiKey(endpoint: EndpointConfig): string {
  if (endpoint.apiKey !== undefined && endpoint.apiKey !== "") return endpoint.apiKey;
  if (endpoint.provider !== "openai") return "EMPTY";
  const fromEnv = process.env.OPENAI_API_KEY;
  if (fromEnv === undefined || fromEnv === "") {
    throw new Error(
      `endpoint "${endpoint.name}" has no API key: set api_key in the resource file ` +
        "or the OPENAI_API_KEY environment variable",
    );
  }
  return fromEnv;
}

export function buildOpenAiParams(
  endpoint: EndpointConfig,
  request: LlmRequest,
): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system !== undefined) messages.push({ role: "system", content: request.system });
  messages.push({ role: "user", content: request.prompt });
  const params: ChatCompletionCreateParamsNonStreaming = { model: endpoint.model, messages };
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.maxTokens !== undefined) {
    // OpenAI's reasoning models reject max_tokens; vLLM and TGI only know it.
    if (endpoint.provider === "openai") params.max_completion_tokens = request.maxTokens;
    else params.max_tokens = request.maxTokens;
  }
  if (request.stop !== undefined && request.stop.length > 0) params.stop = request.stop;
  if (request.jsonSchema !== undefined) {
    params.response_format = {
      type: "json_schema",
      json_schema: { name: "reply", schema: request.jsonSchema },
    };
  } else if (request.isJson === true) {
    params.response_format = { type: "json_object" };
  }
  return params;
}

/** Reads text, usage and truncation; `prompt_tokens` already includes cached tokens. */
export function readOpenAiReply(
  completion: ChatCompletion,
  requestId: string | undefined,
  endpoint: EndpointConfig,
): LlmReply {
  const choice = completion?.choices?.[0];
  if (choice === undefined) {
    throw new ProviderError(`invalid reply from ${endpoint.provider}: no choices`, {
      provider: endpoint.provider,
      kind: "permanent",
      requestId,
    });
  }
  const usage = completion.usage;
  return {
    text: choice.message?.content ?? "",
    usage: {
      inputTokens: usage?.prompt_tokens ?? null,
      outputTokens: usage?.completion_tokens ?? null,
      cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      cacheWriteTokens: 0,
    },
    isTruncated: choice.finish_reason === "length",
    requestId,
  };
}
