import type { LlmNode } from "../graph/types.js";
import type { CallResult, LlmRequest } from "../resources/types.js";
import { parseJsonReply } from "./json-reply.js";
import { NodeError } from "./node-error.js";
import { renderText, type Scope } from "./resolve.js";
import { scheduleCall, type ExecutionServices } from "./services.js";

export interface NodeOutcome {
  value: unknown;
  calls: CallResult[];
}

/** Identifies the record a node belongs to, for scheduling and events. */
export interface RecordRef {
  recordId: string;
  seq: number;
}

/**
 * Runs one LLM node for one scope (one foreach element, or the whole node).
 * An `output: json` reply that does not parse or does not meet the schema is
 * asked for again, with the reason appended to the prompt, up to
 * `maxAttempts` times in all.
 */
export async function runLlmNode(
  node: LlmNode,
  nodeName: string,
  scope: Scope,
  record: RecordRef,
  services: ExecutionServices,
  calls: CallResult[],
): Promise<unknown> {
  const request = buildRequest(node, scope);
  const context = { recordId: record.recordId, node: nodeName };
  const check = node.schema ? services.checkSchema(node.schema) : undefined;
  const basePrompt = request.prompt;
  let lastProblem = "";
  for (let attempt = 1; attempt <= node.maxAttempts; attempt++) {
    if (attempt > 1) {
      request.prompt =
        `${basePrompt}\n\nYour previous reply could not be used: ${lastProblem}. ` +
        "Reply with JSON only.";
    }
    const result = await scheduleCall(
      services,
      node.alias,
      node.priority,
      record.seq,
      request,
      context,
    );
    calls.push(result);
    if (node.output === "text") return result.text;
    if (result.isTruncated) {
      throw new NodeError(
        "truncated",
        `the reply stopped at the token limit (max_tokens ${node.maxTokens ?? "default"}), ` +
          "so it is not complete JSON; raise max_tokens on this node",
        result.text,
      );
    }
    const parsed = parseJsonReply(result.text);
    if ("error" in parsed) {
      lastProblem = parsed.error;
      if (attempt === node.maxAttempts) {
        throw new NodeError("invalid_json", failedAfter(attempt, lastProblem), result.text);
      }
      continue;
    }
    const problems = check ? check(parsed.value) : [];
    if (problems.length === 0) return parsed.value;
    lastProblem = `it does not match the schema: ${problems.join("; ")}`;
    if (attempt === node.maxAttempts) {
      throw new NodeError("schema", failedAfter(attempt, lastProblem), result.text);
    }
  }
  throw new NodeError("permanent", `max_attempts is ${node.maxAttempts}; it must be at least 1`);
}

function failedAfter(attempts: number, problem: string): string {
  const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  return `no usable reply after ${tries}: ${problem}`;
}

function buildRequest(node: LlmNode, scope: Scope): LlmRequest {
  const request: LlmRequest = { prompt: renderText(node.prompt, scope) };
  if (node.system !== undefined) request.system = renderText(node.system, scope);
  if (node.temperature !== undefined) request.temperature = node.temperature;
  if (node.maxTokens !== undefined) request.maxTokens = node.maxTokens;
  if (node.stop !== undefined) request.stop = node.stop;
  if (node.timeoutMs !== undefined) request.timeoutMs = node.timeoutMs;
  if (node.output === "json") {
    request.isJson = true;
    if (node.schema !== undefined) request.jsonSchema = node.schema;
  }
  return request;
}
