import fs from "node:fs";
import type { CallListener } from "../resources/events.js";
import type { CallContext } from "../resources/types.js";

type EventOf<Method extends ((event: never) => void) | undefined> = Parameters<
  NonNullable<Method>
>[0];

/** An attempt that occupies a concurrency slot until it finishes, fails or is retried. */
interface OpenAttempt {
  endpoint: string;
  slot: number;
  startedAtMs: number;
}

/** Thread id of the lane for in-flight counters and events without a slot. */
const ENDPOINT_LANE = 0;
/** Buffered bytes before a write to the file; keeps memory flat at any call rate. */
const FLUSH_CHARS = 64 * 1024;

/**
 * Writes calls as Chrome trace events (the JSON object format with
 * `traceEvents`), viewable in Perfetto or chrome://tracing. Each endpoint is
 * a process, each of its concurrency slots a thread, each attempt a
 * complete ("X") event, and 429s and retries instant ("i") events, with a
 * counter ("C") of calls in flight per endpoint. Events are written to the
 * file as they come, in 64 KiB chunks; only attempts in flight are kept.
 * Timestamps are microseconds from the run start.
 *
 * NOTE: the file is valid JSON only after `close()`; a killed run leaves
 * the closing brackets out.
 */
export class TraceWriter implements CallListener {
  private readonly fd: number;
  private buffer = "";
  private isFirstEvent = true;
  private isClosed = false;
  private readonly pids = new Map<string, number>();
  private readonly namedLanes = new Set<string>();
  private readonly inFlight = new Map<string, number>();
  private readonly open = new Map<string, OpenAttempt>();

  /**
   * Creates or truncates `filePath`.
   * @param startedAtMs clock time of the run start, on the clock that
   *   stamps the call events.
   */
  constructor(
    readonly filePath: string,
    private readonly startedAtMs: number,
  ) {
    this.fd = fs.openSync(filePath, "w");
    this.buffer = '{"displayTimeUnit":"ms","traceEvents":[\n';
  }

  onCallStarted(event: EventOf<CallListener["onCallStarted"]>): void {
    const pid = this.pidOf(event.endpoint);
    this.nameLane(pid, event.endpoint, event.slot);
    this.open.set(event.callId, {
      endpoint: event.endpoint,
      slot: event.slot,
      startedAtMs: event.atMs,
    });
    this.countInFlight(event.endpoint, pid, +1, event.atMs);
  }

  onCallFinished(event: EventOf<CallListener["onCallFinished"]>): void {
    const { result, context } = event;
    const pid = this.pidOf(result.endpoint);
    if (result.isCached) {
      const args = this.callArgs(result.callId, context);
      this.instant(pid, ENDPOINT_LANE, "cache hit", event.atMs, args);
      return;
    }
    const attempt = this.open.get(result.callId);
    this.open.delete(result.callId);
    const usage = result.usage;
    this.emit({
      name: context.node,
      cat: "call",
      ph: "X",
      ts: this.micros(event.startedAtMs),
      dur: Math.max(0, Math.round((event.atMs - event.startedAtMs) * 1000)),
      pid,
      tid: event.slot + 1,
      // Fields listed one by one: spreading callArgs here made this, the
      // most frequent event, about four times slower in Node 20.
      args: {
        callId: result.callId,
        recordId: context.recordId,
        node: context.node,
        attempts: result.attempts,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cachedInputTokens: usage.cachedInputTokens,
        costUsd: result.costUsd,
      },
    });
    if (attempt !== undefined) this.countInFlight(attempt.endpoint, pid, -1, event.atMs);
  }

  onCallFailed(event: EventOf<CallListener["onCallFailed"]>): void {
    const args = {
      ...this.callArgs(event.callId, event.context),
      kind: event.kind,
      message: event.message,
      attempts: event.attempts,
    };
    const isClosed = this.closeAttempt(event.callId, event.context, "failed", event.atMs, args);
    if (!isClosed) {
      // Failed before it took a slot, for example cancelled in the queue.
      const pid = this.pidOf(event.endpoint);
      this.instant(pid, ENDPOINT_LANE, `failed: ${event.kind}`, event.atMs, args);
    }
  }

  onCallRetried(event: EventOf<CallListener["onCallRetried"]>): void {
    const args = {
      ...this.callArgs(event.callId, event.context),
      nextAttempt: event.attempt,
      delayMs: event.delayMs,
      reason: event.reason,
    };
    const tid = this.laneOf(event.callId);
    this.closeAttempt(event.callId, event.context, "retried", event.atMs, args);
    this.instant(this.pidOf(event.endpoint), tid, "retry", event.atMs, args);
  }

  onCallRateLimited(event: EventOf<CallListener["onCallRateLimited"]>): void {
    const args = {
      ...this.callArgs(event.callId, event.context),
      retryAfterMs: event.retryAfterMs,
    };
    const tid = this.laneOf(event.callId);
    this.closeAttempt(event.callId, event.context, "rate limited", event.atMs, args);
    this.instant(this.pidOf(event.endpoint), tid, "429", event.atMs, args);
  }

  /** Writes the closing brackets and closes the file; later events are dropped. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.buffer += "\n]}\n";
    this.flush();
    fs.closeSync(this.fd);
  }

  /** Ends an open attempt as an X event named after its node and outcome. */
  private closeAttempt(
    callId: string,
    context: CallContext,
    outcome: string,
    atMs: number,
    args: Record<string, unknown>,
  ): boolean {
    const attempt = this.open.get(callId);
    if (attempt === undefined) return false;
    this.open.delete(callId);
    const pid = this.pidOf(attempt.endpoint);
    this.emit({
      name: `${context.node} (${outcome})`,
      cat: "call",
      ph: "X",
      ts: this.micros(attempt.startedAtMs),
      dur: Math.max(0, Math.round((atMs - attempt.startedAtMs) * 1000)),
      pid,
      tid: attempt.slot + 1,
      args,
    });
    this.countInFlight(attempt.endpoint, pid, -1, atMs);
    return true;
  }

  /** Returns the thread of the call's open attempt, or the endpoint lane without one. */
  private laneOf(callId: string): number {
    const attempt = this.open.get(callId);
    return attempt === undefined ? ENDPOINT_LANE : attempt.slot + 1;
  }

  private instant(
    pid: number,
    tid: number,
    name: string,
    atMs: number,
    args: Record<string, unknown>,
  ): void {
    this.emit({ name, cat: "call", ph: "i", s: "t", ts: this.micros(atMs), pid, tid, args });
  }

  private countInFlight(endpoint: string, pid: number, change: number, atMs: number): void {
    const calls = Math.max(0, (this.inFlight.get(endpoint) ?? 0) + change);
    this.inFlight.set(endpoint, calls);
    // Built by hand: this is the most frequent event, and every field is a
    // number, so JSON.stringify would only add time.
    const ts = this.micros(atMs);
    this.emitJson(
      `{"name":"in flight","ph":"C","ts":${ts},"pid":${pid},"tid":${ENDPOINT_LANE},` +
        `"args":{"calls":${calls}}}`,
    );
  }

  private callArgs(callId: string, context: CallContext): Record<string, unknown> {
    return { callId, recordId: context.recordId, node: context.node };
  }

  /** Returns the endpoint's process id, naming the process on first sight. */
  private pidOf(endpoint: string): number {
    let pid = this.pids.get(endpoint);
    if (pid === undefined) {
      pid = this.pids.size + 1;
      this.pids.set(endpoint, pid);
      this.metadata(pid, ENDPOINT_LANE, "process_name", { name: endpoint });
      this.metadata(pid, ENDPOINT_LANE, "process_sort_index", { sort_index: pid });
      this.metadata(pid, ENDPOINT_LANE, "thread_name", { name: "endpoint" });
    }
    return pid;
  }

  private nameLane(pid: number, endpoint: string, slot: number): void {
    const key = `${endpoint}\u0000${slot}`;
    if (this.namedLanes.has(key)) return;
    this.namedLanes.add(key);
    this.metadata(pid, slot + 1, "thread_name", { name: `slot ${slot}` });
    this.metadata(pid, slot + 1, "thread_sort_index", { sort_index: slot + 1 });
  }

  private metadata(pid: number, tid: number, name: string, args: Record<string, unknown>): void {
    this.emit({ name, ph: "M", ts: 0, pid, tid, args });
  }

  private micros(atMs: number): number {
    return Math.max(0, Math.round((atMs - this.startedAtMs) * 1000));
  }

  private emit(event: Record<string, unknown>): void {
    this.emitJson(JSON.stringify(event));
  }

  private emitJson(json: string): void {
    if (this.isClosed) return;
    this.buffer += (this.isFirstEvent ? "" : ",\n") + json;
    this.isFirstEvent = false;
    if (this.buffer.length >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer);
    this.buffer = "";
  }
}
