import type { Clock, Random } from "../../util/clock.js";
import type { EndpointConfig, LlmClient } from "../types.js";
import { LazyClient } from "./lazy-client.js";
import { SimulatedClient } from "./simulated.js";

/**
 * Creates the client for an endpoint's provider; one per endpoint for the
 * whole run. Provider SDKs load on first use (see LazyClient).
 */
export function createClient(endpoint: EndpointConfig, clock: Clock, random: Random): LlmClient {
  switch (endpoint.provider) {
    case "openai":
    case "vllm":
    case "tgi":
      return new LazyClient(async () => {
        const { OpenAiClient } = await import("./openai.js");
        return new OpenAiClient(endpoint);
      });
    case "anthropic":
      return new LazyClient(async () => {
        const { AnthropicClient } = await import("./anthropic.js");
        return new AnthropicClient(endpoint);
      });
    case "ollama":
      return new LazyClient(async () => {
        const { OllamaClient } = await import("./ollama.js");
        return new OllamaClient(endpoint);
      });
    case "simulated":
      return new SimulatedClient(endpoint, clock, random);
  }
}
