import { AsyncLocalStorage } from "node:async_hooks";
import { Ollama, type ChatRequest, type ChatResponse, type Message } from "ollama";
import { kindOfStatus, maskSecrets, ProviderError } from "../provider-error.js";
import { parseRetryAfterMs, pickRetryHeaders } from "../retry-after.js";
import type { EndpointConfig, LlmClient, LlmReply, LlmRequest } from "../types.js";
import { createEndpointFetch, type EndpointFetch } from "./endpoint-fetch.js";
import { fromFetchError } from "./sdk-error.js";

/** Ollama's own default address, used when an endpoint sets no base_url. */
export const OLLAMA_DEFAULT_HOST = "http://127.0.0.1:11434";

/**
 * The ollama package takes no per-request AbortSignal for a non-streamed
 * chat, so each call's signal travels to our fetch through this store.
 */
const callSignal = new AsyncLocalStorage<AbortSignal>();

/** Chat over the ollama package, with one keep-alive agent per endpoint. */
export class OllamaClient implements LlmClient {
  private readonly sdk: Ollama;
  private readonly http: EndpointFetch;

  constructor(private readonly endpoint: EndpointConfig) {
    this.http = createEndpointFetch(endpoint.maxConcurrent);
    const headers: Record<string, string> = {};
    if (endpoint.apiKey) headers.Authorization = `Bearer ${endpoint.apiKey}`;
    this.sdk = new Ollama({
      host: endpoint.baseUrl ?? OLLAMA_DEFAULT_HOST,
      fetch: this.checkedFetch,
      headers,
    });
  }

  async complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    let response: ChatResponse;
    try {
      const params = { ...buildOllamaParams(this.endpoint, request), stream: false as const };
      response = await callSignal.run(signal, () => this.sdk.chat(params));
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      const message = maskSecrets(
        error instanceof Error ? error.message : String(error),
        this.endpoint.apiKey,
      );
      throw fromFetchError(error, "ollama", message);
    }
    return readOllamaReply(response);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * Adds the call's signal, and turns an error status into a ProviderError
   * here: the package's own error keeps neither headers nor Retry-After,
   * and it prints to the console when the body is not JSON.
   */
  private readonly checkedFetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const signal = callSignal.getStore();
    const response = await this.http.fetch(input, { ...init, signal });
    if (response.ok) return response;
    const body = await response.text().catch(() => "");
    throw new ProviderError(
      maskSecrets(`${response.status} ${readOllamaErrorText(body)}`, this.endpoint.apiKey),
      {
        provider: "ollama",
        kind: kindOfStatus(response.status),
        status: response.status,
        headers: pickRetryHeaders(response.headers),
        retryAfterMs: parseRetryAfterMs(pickRetryHeaders(response.headers), Date.now()),
      },
    );
  };
}

function readOllamaErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // Not JSON: the body itself is the message.
  }
  return body.slice(0, 500);
}

/** JSON mode is `format: "json"`, or the schema itself for structured output. */
export function buildOllamaParams(endpoint: EndpointConfig, request: LlmRequest): ChatRequest {
  const messages: Message[] = [];
  if (request.system !== undefined) messages.push({ role: "system", content: request.system });
  messages.push({ role: "user", content: request.prompt });
  const options: Record<string, unknown> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) options.stop = request.stop;
  const params: ChatRequest = { model: endpoint.model, messages, options };
  if (request.jsonSchema !== undefined) params.format = request.jsonSchema;
  else if (request.isJson === true) params.format = "json";
  return params;
}

/**
 * Ollama leaves out `prompt_eval_count` when the whole prompt came from its
 * cache, so a missing count is unknown (null), not zero.
 */
export function readOllamaReply(response: ChatResponse): LlmReply {
  if (typeof response?.message?.content !== "string") {
    throw new ProviderError("invalid reply from ollama: no message content", {
      provider: "ollama",
      kind: "permanent",
    });
  }
  const promptCount: unknown = response.prompt_eval_count;
  const evalCount: unknown = response.eval_count;
  return {
    text: response.message.content,
    usage: {
      inputTokens: typeof promptCount === "number" ? promptCount : null,
      outputTokens: typeof evalCount === "number" ? evalCount : null,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    },
    isTruncated: response.done_reason === "length",
  };
}
