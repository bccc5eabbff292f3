import type { EndpointConfig, ResourceConfig } from "../resources/types.js";
import { throwIfIssues, type ConfigIssue } from "./errors.js";
import { interpolateEnv } from "./interpolate.js";
import {
  ENDPOINT_RULES,
  hostedEndpointHasKey,
  keyVariableFor,
  type EndpointEntry,
} from "./resource-rules.js";
import {
  ENDPOINT_KEYS,
  RESOURCE_FILE_KEYS,
  endpointSchema,
  resourceFileSchema,
} from "./resource-schema.js";
import { checkShape, describeValue } from "./shape.js";
import { locateValue, readYamlSource, type YamlSource } from "./yaml-source.js";

const OLLAMA_BASE_URL = "http://127.0.0.1:11434";

export interface LoadResourcesOptions {
  /**
   * Accepts an `api_key: ${VAR}` whose variable is unset, as an empty key:
   * for a dry run, which reads prices and limits but calls nothing.
   */
  isKeyOptional?: boolean;
}

/**
 * Loads a resource file: the endpoints behind each model alias and the
 * global limits. `${VAR}` references are read from `env`. Throws a
 * ConfigError listing every problem found, never only the first.
 */
export async function loadResources(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadResourcesOptions = {},
): Promise<ResourceConfig> {
  const source = await readYamlSource(file, "resource file");
  const issues: ConfigIssue[] = [];
  const optionalKeys = options.isKeyOptional === true ? new Set(["api_key"]) : undefined;
  interpolateEnv(source, env, issues, { optionalKeys });
  throwIfIssues(issues);

  const value: unknown = source.doc.toJS();
  const top = checkShape(resourceFileSchema, value, source, [], issues, RESOURCE_FILE_KEYS);
  // Endpoints are checked even when a top-level key is wrong, so that one
  // run reports every problem.
  const endpoints = top?.endpoints ?? readEndpointsValue(value);
  const entries = endpoints ? readEndpoints(endpoints, source, issues) : [];
  for (const entry of entries) {
    for (const rule of ENDPOINT_RULES) {
      if (options.isKeyOptional === true && rule === hostedEndpointHasKey) continue;
      for (const problem of rule(entry, env)) {
        const path = problem.key ? [...entry.path, problem.key] : entry.path;
        issues.push({ ...locateValue(source, path), message: problem.message });
      }
    }
  }
  throwIfIssues(issues);
  if (!top) throw new Error("unreachable: a failed shape check always adds an issue");

  const aliases = new Map<string, EndpointConfig[]>();
  for (const entry of entries) {
    const list = aliases.get(entry.alias) ?? [];
    list.push(toEndpointConfig(entry, env));
    aliases.set(entry.alias, list);
  }
  return {
    file,
    aliases,
    loadBalanceStrategy: top.load_balance_strategy ?? "least_loaded",
    maxTotalConcurrent: top.max_total_concurrent ?? 100,
    maxInflightGraphs: top.max_inflight_graphs ?? 10,
    resultCacheSize: top.result_cache_size ?? 1000,
    checkpointBufferSize: top.checkpoint_buffer_size ?? 10,
  };
}

function readEndpointsValue(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const endpoints = (value as Record<string, unknown>).endpoints;
  if (endpoints === null || typeof endpoints !== "object" || Array.isArray(endpoints)) {
    return undefined;
  }
  return endpoints as Record<string, unknown>;
}

/** Checks each alias's endpoint or list of endpoints. */
function readEndpoints(
  endpoints: Record<string, unknown>,
  source: YamlSource,
  issues: ConfigIssue[],
): EndpointEntry[] {
  const entries: EndpointEntry[] = [];
  const aliases = Object.keys(endpoints);
  if (aliases.length === 0) {
    issues.push({
      ...locateValue(source, ["endpoints"]),
      key: "endpoints",
      message: "endpoints is empty. Add at least one alias, like fast: {provider: simulated}.",
    });
  }
  for (const alias of aliases) {
    const value = endpoints[alias];
    const aliasPath = ["endpoints", alias];
    if (Array.isArray(value)) {
      if (value.length === 0) {
        issues.push({
          ...locateValue(source, aliasPath),
          key: `endpoints.${alias}`,
          message: `alias "${alias}" has an empty list of endpoints. Add at least one.`,
        });
      }
      value.forEach((item, i) => {
        const path = [...aliasPath, i];
        const raw = checkShape(endpointSchema, item, source, path, issues, ENDPOINT_KEYS);
        if (raw) entries.push({ alias, name: `${alias}[${i}]`, path, raw });
      });
      continue;
    }
    if (value === null || typeof value !== "object") {
      issues.push({
        ...locateValue(source, aliasPath),
        key: `endpoints.${alias}`,
        message:
          `endpoints.${alias} must be an endpoint mapping or a list of them, ` +
          `received ${describeValue(value)}. Write it like ${alias}: {provider: simulated}.`,
      });
      continue;
    }
    const raw = checkShape(endpointSchema, value, source, aliasPath, issues, ENDPOINT_KEYS);
    if (raw) entries.push({ alias, name: alias, path: aliasPath, raw });
  }
  return entries;
}

/** Applies the defaults; the entry has passed every rule. */
function toEndpointConfig({ alias, name, raw }: EndpointEntry, env: NodeJS.ProcessEnv) {
  const keyVariable = keyVariableFor(raw.provider);
  const apiKey = raw.api_key ?? (keyVariable ? env[keyVariable] || undefined : undefined);
  const baseUrl = raw.base_url ?? (raw.provider === "ollama" ? OLLAMA_BASE_URL : undefined);
  const config: EndpointConfig = {
    name,
    alias,
    provider: raw.provider,
    model: raw.model ?? "simulated",
    maxConcurrent: raw.max_concurrent ?? 10,
    maxRetries: raw.max_retries ?? 3,
    retryDelayMs: Math.round((raw.retry_delay ?? 1) * 1000),
    timeoutMs: Math.round((raw.timeout ?? 300) * 1000),
    weight: raw.weight ?? 1,
    inputCostPer1m: raw.input_cost_per_1m ?? 0,
    outputCostPer1m: raw.output_cost_per_1m ?? 0,
    latencyMs: raw.latency_ms ?? 0,
    jitterMs: raw.jitter_ms ?? 0,
    errorRate: raw.error_rate ?? 0,
    rateLimitRate: raw.rate_limit_rate ?? 0,
  };
  // Optional fields are left out rather than set to undefined, so that the
  // object compares equal to one written by hand in tests.
  if (baseUrl !== undefined) config.baseUrl = baseUrl;
  if (apiKey !== undefined) config.apiKey = apiKey;
  if (raw.rate_limit !== undefined) config.rateLimit = raw.rate_limit;
  if (raw.rate_limit_burst !== undefined) config.rateLimitBurst = raw.rate_limit_burst;
  if (raw.tokens_per_minute !== undefined) config.tokensPerMinute = raw.tokens_per_minute;
  if (raw.cached_input_cost_per_1m !== undefined) {
    config.cachedInputCostPer1m = raw.cached_input_cost_per_1m;
  }
  if (raw.cache_write_cost_per_1m !== undefined) {
    config.cacheWriteCostPer1m = raw.cache_write_cost_per_1m;
  }
  return config;
}
