/**
 * The JSON Lines formats of a run folder.
 *
 * checkpoint.jsonl, one finished node a line, with short keys because a run
 * writes millions of them:
 *
 *     {"r":"42","n":"summary","v":"…","c":[{"e":"fast[0]","ms":812,"a":1,
 *      "u":[120,30,0,0],"usd":0.000036}]}
 *
 * - r: record id; n: node id; v: the node's value (absent when undefined);
 * - c: the node's LLM calls, one per foreach element, absent when none:
 *   e endpoint name, ms latency in milliseconds, a attempts, u token counts
 *   [input, output, cachedInput, cacheWrite] (null where the provider sent
 *   none), usd cost, hit 1 when answered from the result cache.
 *
 * results.jsonl: `{"id": "42", "output": {...}}`, one finished record a line.
 * errors.jsonl: `{"id": "42", "node": "summary", "kind": "timeout",
 * "message": "..."}`, one failed record a line; `node` is absent when the
 * record itself was invalid.
 */
import type { ErrorKind } from "../resources/events.js";
import type { CallResult, Usage } from "../resources/types.js";

/** One LLM call of a checkpointed node, as resuming needs it. */
export interface CheckpointedCall {
  endpoint: string;
  latencyMs: number;
  attempts: number;
  usage: Usage;
  costUsd: number;
  isCached: boolean;
}

export interface CheckpointedNode {
  value: unknown;
  calls: CheckpointedCall[];
}

export interface ErrorLine {
  id: string;
  node?: string;
  kind: ErrorKind;
  message: string;
}

type UsageTuple = [number | null, number | null, number, number];

interface CallJson {
  e: string;
  ms: number;
  a: number;
  u: UsageTuple;
  usd: number;
  hit?: 1;
}

export function encodeNodeLine(
  recordId: string,
  node: string,
  value: unknown,
  calls: readonly CallResult[],
): string {
  if (calls.length === 0) return JSON.stringify({ r: recordId, n: node, v: value }) + "\n";
  const c = calls.map((call): CallJson => {
    const u = call.usage;
    const json: CallJson = {
      e: call.endpoint,
      ms: call.latencyMs,
      a: call.attempts,
      u: [u.inputTokens, u.outputTokens, u.cachedInputTokens, u.cacheWriteTokens],
      usd: call.costUsd,
    };
    if (call.isCached) json.hit = 1;
    return json;
  });
  return JSON.stringify({ r: recordId, n: node, v: value, c }) + "\n";
}

/** A decoded checkpoint line, or null when the JSON is not one. */
export function decodeNodeLine(
  json: unknown,
): { recordId: string; node: string; entry: CheckpointedNode } | null {
  if (!isObject(json) || typeof json.r !== "string" || typeof json.n !== "string") return null;
  const calls: CheckpointedCall[] = [];
  if (json.c !== undefined) {
    if (!Array.isArray(json.c)) return null;
    for (const call of json.c) {
      const decoded = decodeCall(call);
      if (decoded === null) return null;
      calls.push(decoded);
    }
  }
  return { recordId: json.r, node: json.n, entry: { value: json.v, calls } };
}

function decodeCall(json: unknown): CheckpointedCall | null {
  if (!isObject(json) || typeof json.e !== "string" || !Array.isArray(json.u)) return null;
  const [inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens] = json.u as unknown[];
  return {
    endpoint: json.e,
    latencyMs: toNumber(json.ms),
    attempts: toNumber(json.a),
    usage: {
      inputTokens: typeof inputTokens === "number" ? inputTokens : null,
      outputTokens: typeof outputTokens === "number" ? outputTokens : null,
      cachedInputTokens: toNumber(cachedInputTokens),
      cacheWriteTokens: toNumber(cacheWriteTokens),
    },
    costUsd: toNumber(json.usd),
    isCached: json.hit === 1,
  };
}

export function encodeResultLine(recordId: string, output: Record<string, unknown>): string {
  return JSON.stringify({ id: recordId, output }) + "\n";
}

/** The record id of a results line, or null when the JSON is not one. */
export function decodeResultId(json: unknown): string | null {
  return isObject(json) && typeof json.id === "string" ? json.id : null;
}

export function encodeErrorLine(error: ErrorLine): string {
  const { id, node, kind, message } = error;
  return JSON.stringify(node === undefined ? { id, kind, message } : { id, node, kind, message })
    + "\n";
}

/** The record id of an errors line, or null when the JSON is not one. */
export function decodeErrorId(json: unknown): string | null {
  return isObject(json) && typeof json.id === "string" && typeof json.kind === "string"
    ? json.id
    : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function toNumber(value: unknown): number {
  return typeof value === "number" ? value : 0;
}
