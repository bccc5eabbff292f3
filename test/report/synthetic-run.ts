import type { RunListener } from "../../src/execution/events.js";
import { CallCounters } from "../../src/resources/call-counters.js";
import type { CallListener, ErrorKind } from "../../src/resources/events.js";
import type {
  CallResult,
  EndpointMetrics,
  MetricsSnapshot,
  Usage,
} from "../../src/resources/types.js";

type Listener = RunListener & CallListener;

interface EndpointSpec {
  alias: string;
  model: string;
  maxConcurrent: number;
}

/** Endpoints of the synthetic run: one alias with one endpoint, one with two. */
export const SYNTHETIC_ENDPOINTS: Record<string, EndpointSpec> = {
  fast: { alias: "fast", model: "gpt-4o-mini", maxConcurrent: 4 },
  "smart[0]": { alias: "smart", model: "llama-70b", maxConcurrent: 2 },
  "smart[1]": { alias: "smart", model: "llama-70b", maxConcurrent: 2 },
};

/**
 * The resource manager's side of the synthetic run: CallCounters per
 * endpoint, per alias and in total, updated from the same call events the
 * collector receives, as the resource manager updates them.
 */
export class SyntheticResourceCounters implements CallListener {
  private readonly endpoints = new Map<string, CallCounters>();
  private readonly aliases = new Map<string, CallCounters>();
  private readonly total: CallCounters;

  constructor(private readonly nowMs: () => number) {
    let totalSlots = 0;
    for (const [name, spec] of Object.entries(SYNTHETIC_ENDPOINTS)) {
      this.endpoints.set(name, new CallCounters(spec.maxConcurrent));
      const aliasSlots = (this.aliases.get(spec.alias)?.maxConcurrent ?? 0) + spec.maxConcurrent;
      this.aliases.set(spec.alias, new CallCounters(aliasSlots));
      totalSlots += spec.maxConcurrent;
    }
    this.total = new CallCounters(totalSlots);
  }

  onCallStarted(event: { endpoint: string }): void {
    for (const counters of this.countersOf(event.endpoint)) {
      counters.requests += 1;
      counters.inFlight += 1;
    }
  }

  onCallFinished(event: { result: CallResult }): void {
    const { result } = event;
    for (const counters of this.countersOf(result.endpoint)) {
      if (result.isCached) {
        counters.cacheHits += 1;
        continue;
      }
      counters.inFlight -= 1;
      const isUsageKnown = result.usage.inputTokens !== null && result.usage.outputTokens !== null;
      counters.recordSuccess(result.latencyMs, result.usage, result.costUsd, isUsageKnown);
    }
  }

  onCallFailed(event: { endpoint: string; kind: ErrorKind }): void {
    for (const counters of this.countersOf(event.endpoint)) {
      counters.inFlight -= 1;
      counters.recordFailure(event.kind);
    }
  }

  onCallRetried(event: { endpoint: string }): void {
    for (const counters of this.countersOf(event.endpoint)) {
      counters.retries += 1;
      counters.inFlight -= 1;
    }
  }

  onCallRateLimited(event: { endpoint: string }): void {
    for (const counters of this.countersOf(event.endpoint)) {
      counters.rateLimited += 1;
      counters.inFlight -= 1;
    }
  }

  metrics(): MetricsSnapshot {
    const endpoints: Record<string, EndpointMetrics> = {};
    for (const [name, counters] of this.endpoints) {
      const spec = SYNTHETIC_ENDPOINTS[name]!;
      const base = { alias: spec.alias, provider: "simulated" as const, model: spec.model };
      endpoints[name] = { ...counters.snapshot(), ...base };
    }
    const aliases: MetricsSnapshot["aliases"] = {};
    for (const [name, counters] of this.aliases) aliases[name] = counters.snapshot();
    return { atMs: this.nowMs(), total: this.total.snapshot(), aliases, endpoints };
  }

  private countersOf(endpoint: string): CallCounters[] {
    const spec = SYNTHETIC_ENDPOINTS[endpoint];
    if (spec === undefined) throw new Error(`unknown synthetic endpoint ${endpoint}`);
    return [this.endpoints.get(endpoint)!, this.aliases.get(spec.alias)!, this.total];
  }
}

interface CallSpec {
  recordId: string;
  node: string;
  endpoint: string;
  slot: number;
  startMs: number;
  latencyMs: number;
  usage?: Usage | null;
  costUsd?: number;
  isCached?: boolean;
}

let callCounter = 0;

/** Emits one successful call and returns its result, as the resource manager would. */
export function emitCall(listeners: Listener[], spec: CallSpec): CallResult {
  const callId = `c${++callCounter}`;
  const context = { recordId: spec.recordId, node: spec.node };
  const usage: Usage = spec.usage ?? {
    inputTokens: null,
    outputTokens: null,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
  };
  const isCached = spec.isCached ?? false;
  // A cache hit spends nothing and takes no slot: the resource manager
  // reports zero usage, zero latency and slot -1 for it.
  const noUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
  const result: CallResult = {
    callId,
    endpoint: spec.endpoint,
    text: "ok",
    usage: isCached ? noUsage : usage,
    isTruncated: false,
    latencyMs: isCached ? 0 : spec.latencyMs,
    attempts: isCached ? 0 : 1,
    costUsd: isCached ? 0 : (spec.costUsd ?? 0),
    isCached,
  };
  const endMs = spec.startMs + result.latencyMs;
  for (const listener of listeners) {
    if (!result.isCached) {
      listener.onCallStarted?.({
        callId,
        context,
        endpoint: spec.endpoint,
        slot: spec.slot,
        attempt: 1,
        atMs: spec.startMs,
      });
    }
    listener.onCallFinished?.({
      context,
      result,
      slot: isCached ? -1 : spec.slot,
      startedAtMs: spec.startMs,
      atMs: endMs,
    });
  }
  return result;
}

const usage = (input: number, output: number, cached = 0): Usage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheWriteTokens: 0,
});

/**
 * Plays a small run of 6 records through a summary, category and reply
 * graph, ending at 10 s. Record r4 fails at category with a schema error.
 * r2's reply hits a 429 and then a transient error before it succeeds.
 * r3's summary comes from the result cache, and r5's reply reports no usage.
 * r6's summary times out and fails the record. The input holds 8 records,
 * so 2 are still to go when the run is looked at, at 10 s.
 */
export function playSyntheticRun(listeners: Listener[]): void {
  const toEach = (fn: (listener: Listener) => void) => listeners.forEach(fn);
  const records = ["r1", "r2", "r3", "r4", "r5"];
  records.forEach((recordId, seq) => {
    toEach((l) => l.onRecordAdmitted?.({ recordId, seq, atMs: seq * 100 }));
  });
  const finishNode = (recordId: string, seq: number, node: string, calls: CallResult[]) => {
    const atMs = calls.reduce((latest, c) => Math.max(latest, c.latencyMs), 0);
    toEach((l) => l.onNodeFinished?.({ recordId, seq, node, value: "ok", calls, atMs }));
  };
  records.forEach((recordId, seq) => {
    const baseMs = 1_000 + seq * 1_500;
    const isCached = recordId === "r3";
    const summary = emitCall(listeners, {
      recordId,
      node: "summary",
      endpoint: "fast",
      slot: seq % 4,
      startMs: baseMs,
      latencyMs: isCached ? 0 : 200 + seq * 10,
      usage: usage(120, 30, seq === 1 ? 100 : 0),
      costUsd: isCached ? 0 : 0.000036,
      isCached,
    });
    finishNode(recordId, seq, "summary", [summary]);
    const category = emitCall(listeners, {
      recordId,
      node: "category",
      endpoint: "fast",
      slot: (seq + 1) % 4,
      startMs: baseMs + 300,
      latencyMs: 150,
      usage: usage(60, 8),
      costUsd: 0.0000138,
    });
    if (recordId === "r4") {
      const failure = {
        recordId,
        seq,
        node: "category",
        kind: "schema" as const,
        message: "reply is missing the required field label",
      };
      toEach((l) => l.onNodeFailed?.({ ...failure, atMs: baseMs + 460 }));
      toEach((l) => l.onRecordFailed?.({ ...failure, atMs: baseMs + 460 }));
      return;
    }
    finishNode(recordId, seq, "category", [category]);
    const endpoint = seq % 2 === 0 ? "smart[0]" : "smart[1]";
    if (recordId === "r2") emitTroubledAttempts(listeners, baseMs + 500);
    const replyStartMs = recordId === "r2" ? baseMs + 900 : baseMs + 500;
    const reply = emitCall(listeners, {
      recordId,
      node: "reply",
      endpoint,
      slot: 0,
      startMs: replyStartMs,
      latencyMs: 600 + seq * 50,
      usage: recordId === "r5" ? null : usage(200, 150),
      costUsd: recordId === "r5" ? 0 : 0.00035,
    });
    finishNode(recordId, seq, "reply", [reply]);
    const output = { summary: "ok", label: "bug", reply: "ok" };
    toEach((l) => l.onRecordFinished?.({ recordId, seq, output, atMs: replyStartMs + 700 }));
  });
  emitTimedOutRecord(listeners, 8_600);
}

/** r6: its summary call times out on every attempt, so the record fails. */
function emitTimedOutRecord(listeners: Listener[], startMs: number): void {
  const context = { recordId: "r6", node: "summary" };
  const callId = "c-r6-summary";
  const endpoint = "fast";
  const failure = { recordId: "r6", seq: 5, node: "summary", kind: "timeout" as const };
  const message = "timed out after 300 ms";
  for (const l of listeners) {
    l.onRecordAdmitted?.({ recordId: "r6", seq: 5, atMs: startMs });
    l.onCallStarted?.({ callId, context, endpoint, slot: 2, attempt: 1, atMs: startMs });
    l.onCallFailed?.({
      callId,
      context,
      endpoint,
      kind: "timeout",
      message,
      attempts: 1,
      atMs: startMs + 300,
    });
    l.onNodeFailed?.({ ...failure, message, atMs: startMs + 300 });
    l.onRecordFailed?.({ ...failure, message, atMs: startMs + 300 });
  }
}

/** r2's reply: a 429, then a transient failure that is retried. */
function emitTroubledAttempts(listeners: Listener[], startMs: number): void {
  const context = { recordId: "r2", node: "reply" };
  const callId = "c-r2-reply";
  const endpoint = "smart[1]";
  for (const l of listeners) {
    l.onCallStarted?.({ callId, context, endpoint, slot: 1, attempt: 1, atMs: startMs });
    l.onCallRateLimited?.({ callId, context, endpoint, retryAfterMs: 200, atMs: startMs + 50 });
    l.onCallStarted?.({ callId, context, endpoint, slot: 1, attempt: 1, atMs: startMs + 250 });
    l.onCallRetried?.({
      callId,
      context,
      endpoint,
      attempt: 2,
      delayMs: 100,
      reason: "connection reset",
      atMs: startMs + 300,
    });
  }
}
