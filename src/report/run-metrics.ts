import type { NodeFinishedEvent, RecordFailure, RunListener } from "../execution/events.js";
import type { CallListener } from "../resources/events.js";
import type { MetricsSnapshot } from "../resources/types.js";
import type { Clock } from "../util/clock.js";
import { NodeAccumulator } from "./node-accumulator.js";
import { SlidingRate } from "./sliding-rate.js";
import { RUN_METRICS_VERSION, type AliasRunMetrics, type RunMetrics } from "./types.js";

type EventOf<Method extends ((event: never) => void) | undefined> = Parameters<
  NonNullable<Method>
>[0];
type RecordAdmitted = EventOf<RunListener["onRecordAdmitted"]>;
type RecordFinished = EventOf<RunListener["onRecordFinished"]>;
type CallStarted = EventOf<CallListener["onCallStarted"]>;
type CallFinished = EventOf<CallListener["onCallFinished"]>;
type CallFailed = EventOf<CallListener["onCallFailed"]>;
type CallRetried = EventOf<CallListener["onCallRetried"]>;
type CallRateLimited = EventOf<CallListener["onCallRateLimited"]>;

export interface RunMetricsCollectorOptions {
  clock: Clock;
  /** The resource manager's counters, read once per snapshot. */
  resourceMetrics: () => MetricsSnapshot;
  /** Records in the input, when known before the run ends. */
  totalRecords?: number;
  /** Clock time the run started. Default: `clock.now()` at construction. */
  startedAtMs?: number;
  /** Span that rates average over. Default 10000. */
  rateWindowMs?: number;
}

/**
 * Counts what a run does, from the engine's record and node events and the
 * resource manager's call events, and combines it with the resource
 * manager's own counters into a RunMetrics snapshot. Every event handler is
 * O(1), so the collector keeps up with tens of thousands of calls a second.
 * The snapshot does the heavier work, and callers take it a few times a second.
 */
export class RunMetricsCollector implements RunListener, CallListener {
  private readonly clock: Clock;
  private readonly resourceMetrics: () => MetricsSnapshot;
  private readonly startedAtMs: number;
  private readonly rateWindowMs: number;
  private totalRecords: number | null;
  private admitted = 0;
  private done = 0;
  private failed = 0;
  /** Ids of admitted records not yet finished; at most max_inflight_graphs. */
  private readonly inFlight = new Set<string>();
  private readonly recordErrorsByKind: Record<string, number> = {};
  private readonly nodes = new Map<string, NodeAccumulator>();
  private readonly finishedRate: SlidingRate;
  private readonly requestRate: SlidingRate;
  private readonly aliasRates = new Map<string, SlidingRate>();
  private readonly aliasOfEndpoint = new Map<string, string>();

  constructor(options: RunMetricsCollectorOptions) {
    this.clock = options.clock;
    this.resourceMetrics = options.resourceMetrics;
    this.startedAtMs = options.startedAtMs ?? options.clock.now();
    this.rateWindowMs = options.rateWindowMs ?? 10_000;
    this.totalRecords = options.totalRecords ?? null;
    this.finishedRate = this.newRate();
    this.requestRate = this.newRate();
  }

  /** Sets the input size once it is known, for the bar, ETA and projection. */
  setTotalRecords(totalRecords: number): void {
    this.totalRecords = totalRecords;
  }

  onRecordAdmitted(event: RecordAdmitted): void {
    this.admitted += 1;
    this.inFlight.add(event.recordId);
  }

  onRecordFinished(event: RecordFinished): void {
    this.done += 1;
    this.inFlight.delete(event.recordId);
    this.finishedRate.add(event.atMs);
  }

  onRecordFailed(event: RecordFailure & { atMs: number }): void {
    this.failed += 1;
    this.inFlight.delete(event.recordId);
    this.finishedRate.add(event.atMs);
    const kinds = this.recordErrorsByKind;
    kinds[event.kind] = (kinds[event.kind] ?? 0) + 1;
  }

  onNodeFinished(event: NodeFinishedEvent): void {
    this.node(event.node).finished += 1;
  }

  onNodeFailed(event: RecordFailure & { atMs: number }): void {
    // A record that failed before any node ran has no node to charge.
    if (event.node === undefined) return;
    const node = this.node(event.node);
    node.failed += 1;
    node.addError(event.kind);
  }

  onCallStarted(event: CallStarted): void {
    this.node(event.context.node).requests += 1;
    this.requestRate.add(event.atMs);
    this.aliasRate(this.aliasOf(event.endpoint)).add(event.atMs);
  }

  onCallFinished(event: CallFinished): void {
    this.node(event.context.node).addFinished(event.result);
  }

  onCallFailed(event: CallFailed): void {
    this.node(event.context.node).addCallFailure(event.kind);
  }

  onCallRetried(event: CallRetried): void {
    this.node(event.context.node).retries += 1;
  }

  onCallRateLimited(event: CallRateLimited): void {
    this.node(event.context.node).rateLimited += 1;
  }

  snapshot(): RunMetrics {
    const nowMs = this.clock.now();
    const resources = this.resourceMetrics();
    const finished = this.done + this.failed;
    const elapsedMs = Math.max(0, nowMs - this.startedAtMs);
    const recordsPerSec = this.finishedRate.perSecond(nowMs);
    const aliases: Record<string, AliasRunMetrics> = {};
    for (const [alias, metrics] of Object.entries(resources.aliases)) {
      const requestsPerSec = this.aliasRates.get(alias)?.perSecond(nowMs) ?? 0;
      aliases[alias] = { ...metrics, requestsPerSec };
    }
    const nodes: RunMetrics["nodes"] = {};
    for (const [name, node] of this.nodes) nodes[name] = node.toMetrics();
    return {
      version: RUN_METRICS_VERSION,
      elapsedMs,
      records: {
        total: this.totalRecords,
        admitted: this.admitted,
        done: this.done,
        failed: this.failed,
        inFlight: this.inFlight.size,
      },
      recordsPerSec,
      requestsPerSec: this.requestRate.perSecond(nowMs),
      etaMs: this.estimateEtaMs(finished, elapsedMs, recordsPerSec),
      costUsd: resources.total.costUsd,
      projectedCostUsd: this.projectCostUsd(resources.total.costUsd, finished),
      recordErrorsByKind: { ...this.recordErrorsByKind },
      total: resources.total,
      aliases,
      endpoints: resources.endpoints,
      nodes,
    };
  }

  /** Returns the content of metrics.json: a snapshot, read back with parseRunMetrics. */
  toJSON(): RunMetrics {
    return this.snapshot();
  }

  private estimateEtaMs(finished: number, elapsedMs: number, windowRate: number): number | null {
    if (this.totalRecords === null) return null;
    const remaining = Math.max(0, this.totalRecords - finished);
    if (remaining === 0) return 0;
    // Early in a run, or after a stall, the window may be empty while the
    // average over the whole run is not.
    const averageRate = elapsedMs > 0 ? finished / (elapsedMs / 1000) : 0;
    const rate = windowRate > 0 ? windowRate : averageRate;
    return rate > 0 ? Math.round((remaining / rate) * 1000) : null;
  }

  /**
   * Estimates the cost of the whole input from the cost so far. Records in
   * flight have spent part of their cost already, so each counts as half a
   * finished record. Without that, the first estimates run several times high.
   */
  private projectCostUsd(costUsd: number, finished: number): number | null {
    if (this.totalRecords === null) return null;
    if (finished >= this.totalRecords) return costUsd;
    const progressed = finished + this.inFlight.size / 2;
    if (progressed === 0) return null;
    return (costUsd / progressed) * this.totalRecords;
  }

  /**
   * Returns the accumulator of a node. Nodes of a foreach sub-graph run as
   * `parent[3]/child`; they are counted together as `parent[]/child`, so a
   * report has one row per node of the pipeline, not one per element.
   */
  private node(runName: string): NodeAccumulator {
    const name = runName.includes("[") ? runName.replace(/\[\d+\]/g, "[]") : runName;
    let node = this.nodes.get(name);
    if (node === undefined) {
      node = new NodeAccumulator();
      this.nodes.set(name, node);
    }
    return node;
  }

  private aliasRate(alias: string): SlidingRate {
    let rate = this.aliasRates.get(alias);
    if (rate === undefined) {
      rate = this.newRate();
      this.aliasRates.set(alias, rate);
    }
    return rate;
  }

  /**
   * Maps an endpoint name to its alias. The resource manager's snapshot is
   * read once per new endpoint; names it does not know fall back to the
   * `alias[i]` naming rule.
   */
  private aliasOf(endpoint: string): string {
    let alias = this.aliasOfEndpoint.get(endpoint);
    if (alias === undefined) {
      alias = this.resourceMetrics().endpoints[endpoint]?.alias ?? endpoint.replace(/\[\d+\]$/, "");
      this.aliasOfEndpoint.set(endpoint, alias);
    }
    return alias;
  }

  private newRate(): SlidingRate {
    return new SlidingRate(this.startedAtMs, this.rateWindowMs);
  }
}
