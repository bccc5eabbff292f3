import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { NodeFinishedEvent } from "../../src/execution/events.js";
import type { AppendSink } from "../../src/checkpoint/file-sink.js";
import type { CallResult, EndpointConfig, ResourceConfig } from "../../src/resources/types.js";

export async function makeTempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "plait-checkpoint-"));
}

export function makeCall(overrides: Partial<CallResult> = {}): CallResult {
  return {
    callId: "call-1",
    endpoint: "fast",
    latencyMs: 812,
    attempts: 1,
    costUsd: 0.000036,
    isCached: false,
    text: "reply",
    isTruncated: false,
    usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 0, cacheWriteTokens: 0 },
    ...overrides,
  };
}

export function nodeEvent(
  recordId: string,
  node: string,
  value: unknown,
  calls: CallResult[] = [],
): NodeFinishedEvent {
  return { recordId, seq: Number(recordId) || 0, node, value, calls, atMs: 0 };
}

export function makeEndpoint(overrides: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    name: "fast",
    alias: "fast",
    provider: "openai",
    model: "gpt-4o-mini",
    baseUrl: "http://127.0.0.1:9/v1",
    apiKey: "sk-test-secret",
    maxConcurrent: 10,
    maxRetries: 3,
    retryDelayMs: 1000,
    timeoutMs: 300_000,
    weight: 1,
    inputCostPer1m: 0.15,
    outputCostPer1m: 0.6,
    latencyMs: 0,
    jitterMs: 0,
    errorRate: 0,
    rateLimitRate: 0,
    ...overrides,
  };
}

export function makeResources(overrides: Partial<ResourceConfig> = {}): ResourceConfig {
  return {
    file: "config/test.yaml",
    aliases: new Map([["fast", [makeEndpoint()]]]),
    loadBalanceStrategy: "least_loaded",
    maxTotalConcurrent: 100,
    maxInflightGraphs: 10,
    resultCacheSize: 1000,
    checkpointBufferSize: 10,
    ...overrides,
  };
}

/** One write as a MemorySink saw it, in the order of every sink sharing the log. */
export interface LoggedWrite {
  file: string;
  chunk: string;
}

/**
 * An in-memory sink. While `isHeld` is true, async writes wait until
 * `release()` is called, which simulates a slow disk.
 */
export class MemorySink implements AppendSink {
  text = "";
  writes = 0;
  isHeld = false;
  isClosed = false;
  failWith: Error | null = null;
  private waiting: Array<() => void> = [];

  constructor(
    private readonly file: string,
    private readonly log: LoggedWrite[] = [],
  ) {}

  async write(chunk: string): Promise<void> {
    this.writes++;
    if (this.isHeld) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failWith !== null) throw this.failWith;
    this.text += chunk;
    this.log.push({ file: this.file, chunk });
  }

  writeSync(chunk: string): void {
    this.text += chunk;
    this.log.push({ file: this.file, chunk });
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }

  get pendingWrites(): number {
    return this.waiting.length;
  }

  release(): void {
    this.isHeld = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  lines(): unknown[] {
    return this.text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as unknown);
  }
}

export function memorySinks(log: LoggedWrite[] = []) {
  return {
    checkpoint: new MemorySink("checkpoint", log),
    results: new MemorySink("results", log),
    errors: new MemorySink("errors", log),
  };
}
