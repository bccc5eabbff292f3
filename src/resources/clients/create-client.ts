import type { Clock, Random } from "../../util/clock.js";
import type { EndpointConfig, LlmClient } from "../types.js";
import { AnthropicClient } from "./anthropic.js";
import { OllamaClient } from "./ollama.js";
import { OpenAiClient } from "./openai.js";
import { SimulatedClient } from "./simulated.js";

/** Creates the client for an endpoint's provider; one per endpoint for the whole run. */
export function createClient(endpoint: EndpointConfig, clock: Clock, random: Random): LlmClient {
  switch (endpoint.provider) {
    case "openai":
    case "vllm":
    case "tgi":
      return new OpenAiClient(endpoint);
    case "anthropic":
      return new AnthropicClient(endpoint);
    case "ollama":
      return new OllamaClient(endpoint);
    case "simulated":
      return new SimulatedClient(endpoint, clock, random);
  }
}
