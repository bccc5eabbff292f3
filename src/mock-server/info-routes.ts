import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./http-io.js";
import type { MockServerState } from "./server-state.js";

/**
 * Serves the routes that are not chat: model lists and the stats. Returns
 * false when `path` is none of them.
 */
export function handleInfoRoute(
  state: MockServerState,
  method: string,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const models = [...state.modelNames];
  if (method === "GET" && path === "/stats") {
    sendJson(response, 200, state.stats.snapshot());
  } else if (method === "POST" && path === "/stats/reset") {
    state.stats.reset();
    sendJson(response, 200, { ok: true });
  } else if (method === "GET" && path === "/v1/models") {
    // The Anthropic SDK sends anthropic-version, and its model list has another shape.
    const isAnthropic = request.headers["anthropic-version"] !== undefined;
    sendJson(response, 200, isAnthropic ? listAnthropicModels(models) : listOpenAiModels(models));
  } else if (method === "GET" && path === "/api/tags") {
    sendJson(response, 200, listOllamaModels(models));
  } else if (method === "GET" && path === "/api/version") {
    sendJson(response, 200, { version: "0.0.0-plait-mock" });
  } else {
    return false;
  }
  return true;
}

function listOpenAiModels(models: string[]): unknown {
  return {
    object: "list",
    data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "plait-mock" })),
  };
}

function listAnthropicModels(models: string[]): unknown {
  const data = models.map((id) => ({
    type: "model",
    id,
    display_name: id,
    created_at: "2024-01-01T00:00:00Z",
  }));
  return { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null };
}

function listOllamaModels(models: string[]): unknown {
  return {
    models: models.map((name) => ({
      name,
      model: name,
      modified_at: "2024-01-01T00:00:00Z",
      size: 0,
      digest: "",
      details: { format: "gguf", family: "mock", parameter_size: "0B", quantization_level: "none" },
    })),
  };
}
