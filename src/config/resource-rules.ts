import type { YamlPath } from "./yaml-source.js";
import { SIMULATED_KEYS, type RawEndpoint } from "./resource-schema.js";

/** An endpoint that passed the shape check, with where it was written. */
export interface EndpointEntry {
  alias: string;
  /** The alias, or `alias[i]` in a list. */
  name: string;
  path: YamlPath;
  raw: RawEndpoint;
}

/** A problem a rule found; `key` is the endpoint key it concerns, if any. */
export interface RuleProblem {
  key?: keyof RawEndpoint;
  message: string;
}

export type EndpointRule = (entry: EndpointEntry, env: NodeJS.ProcessEnv) => RuleProblem[];

const KEY_VARIABLES: Partial<Record<RawEndpoint["provider"], string>> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
};

export function modelIsSet({ name, raw }: EndpointEntry): RuleProblem[] {
  if (raw.model !== undefined || raw.provider === "simulated") return [];
  return [{ message: `endpoint "${name}" has no model. Add "model:" with the model name.` }];
}

export function baseUrlIsHttp({ name, raw }: EndpointEntry): RuleProblem[] {
  if (raw.base_url === undefined) return [];
  let url: URL | undefined;
  try {
    url = new URL(raw.base_url);
  } catch {
    url = undefined;
  }
  if (url !== undefined && (url.username !== "" || url.password !== "")) {
    // The URL is not echoed: its user part may hold a secret.
    return [
      {
        key: "base_url",
        message:
          `endpoint "${name}" has a base_url with a user name or password in it, which ` +
          "would reach logs and error messages. Put the secret in api_key instead.",
      },
    ];
  }
  const protocol = url?.protocol;
  if (protocol === "http:" || protocol === "https:") return [];
  return [
    {
      key: "base_url",
      message:
        `endpoint "${name}" has base_url ${JSON.stringify(raw.base_url)}, which is not ` +
        'an http:// or https:// URL. Write it like "http://127.0.0.1:8000/v1".',
    },
  ];
}

export function selfHostedHasBaseUrl({ name, raw }: EndpointEntry): RuleProblem[] {
  if (raw.provider !== "vllm" && raw.provider !== "tgi") return [];
  if (raw.base_url !== undefined) return [];
  return [
    {
      message:
        `endpoint "${name}" uses provider ${raw.provider}, which needs base_url. ` +
        'Add "base_url:" with the server address, like "http://127.0.0.1:8000/v1".',
    },
  ];
}

export function simulatedKeysOnlyOnSimulated({ name, raw }: EndpointEntry): RuleProblem[] {
  if (raw.provider === "simulated") return [];
  return SIMULATED_KEYS.filter((key) => raw[key] !== undefined).map((key) => ({
    key,
    message:
      `endpoint "${name}" sets ${key}, which only the simulated provider reads. ` +
      `Remove ${key} or set provider: simulated.`,
  }));
}

export function burstNeedsRateLimit({ name, raw }: EndpointEntry): RuleProblem[] {
  if (raw.rate_limit_burst === undefined || raw.rate_limit !== undefined) return [];
  return [
    {
      key: "rate_limit_burst",
      message:
        `endpoint "${name}" sets rate_limit_burst without rate_limit, so it has no ` +
        "effect. Add rate_limit (requests per second) or remove rate_limit_burst.",
    },
  ];
}

/**
 * Requires a key for a hosted provider called at its own address. With a
 * base_url (a proxy or the mock server) the key may legitimately be absent.
 */
export function hostedEndpointHasKey({ name, raw }: EndpointEntry, env: NodeJS.ProcessEnv) {
  const variable = KEY_VARIABLES[raw.provider];
  if (!variable || raw.api_key !== undefined || raw.base_url !== undefined) return [];
  if (env[variable]) return [];
  return [
    {
      message:
        `endpoint "${name}" uses provider ${raw.provider} but has no API key. ` +
        `Set ${variable} in the environment, or add api_key: \${${variable}}.`,
    },
  ];
}

export const ENDPOINT_RULES: EndpointRule[] = [
  modelIsSet,
  baseUrlIsHttp,
  selfHostedHasBaseUrl,
  simulatedKeysOnlyOnSimulated,
  burstNeedsRateLimit,
  hostedEndpointHasKey,
];

export function keyVariableFor(provider: RawEndpoint["provider"]): string | undefined {
  return KEY_VARIABLES[provider];
}
