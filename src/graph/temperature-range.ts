import type { ProviderName, ResourceConfig } from "../resources/types.js";

/** The temperatures a provider accepts; `max` undefined means no upper bound. */
export interface TemperatureRange {
  min: number;
  max?: number;
}

/**
 * Temperatures each provider accepts. OpenAI's Chat Completions API takes
 * 0 to 2 (documented in the openai 6 SDK's types). vllm and tgi are called
 * through the same OpenAI-compatible API, so they get its range, although
 * their servers may accept more. Anthropic's Messages API reference gives
 * 0.0 to 1.0. Ollama's API sets no upper bound. The simulated provider
 * ignores temperature and takes OpenAI's range, so that a pipeline tried on
 * it also passes on OpenAI.
 */
export const TEMPERATURE_RANGES: Record<ProviderName, TemperatureRange> = {
  openai: { min: 0, max: 2 },
  vllm: { min: 0, max: 2 },
  tgi: { min: 0, max: 2 },
  anthropic: { min: 0, max: 1 },
  ollama: { min: 0 },
  simulated: { min: 0, max: 2 },
};

/** Formats a range for messages: "0 to 2", or "0 or more". */
export function formatTemperatureRange(range: TemperatureRange): string {
  return range.max === undefined ? `${range.min} or more` : `${range.min} to ${range.max}`;
}

/**
 * Returns one message for each provider behind `alias` that would reject
 * `temperature`, so the mistake shows at load time rather than as a failed
 * call on every record. An alias missing from the resources returns
 * nothing: that is reported on its own.
 */
export function checkTemperature(
  node: string,
  temperature: number,
  alias: string,
  resources: ResourceConfig,
): string[] {
  const messages: string[] = [];
  const reported = new Set<ProviderName>();
  for (const endpoint of resources.aliases.get(alias) ?? []) {
    const range = TEMPERATURE_RANGES[endpoint.provider];
    const isInRange =
      temperature >= range.min && (range.max === undefined || temperature <= range.max);
    if (isInRange || reported.has(endpoint.provider)) continue;
    reported.add(endpoint.provider);
    const allowed = formatTemperatureRange(range);
    messages.push(
      `node "${node}" has temperature ${temperature}, but alias "${alias}" calls endpoint ` +
        `"${endpoint.name}" of provider ${endpoint.provider}, which accepts ${allowed}. ` +
        `Choose a temperature of ${allowed}, or bind "${alias}" to another provider.`,
    );
  }
  return messages;
}
