import type { Graph } from "../graph/types.js";
import { systemClock, type Clock } from "../util/clock.js";
import { RunEmitter, emit } from "./emitter.js";
import type { InputRecord, RecordFailure, RunListener } from "./events.js";
import { createFunctionLoader } from "./function-node.js";
import { IdSet } from "./id-set.js";
import { planGraph, type GraphPlan } from "./graph-plan.js";
import { RecordRun, type PriorValues, type RecordOutcome } from "./record-run.js";
import { CallScheduler } from "./scheduler.js";
import type { CallGateway, ExecutionServices } from "./services.js";

export interface RunRecordsOptions {
  graph: Graph;
  gateway: CallGateway;
  records: AsyncIterable<InputRecord>;
  /** Records whose graphs may run at once. */
  maxInflightGraphs: number;
  /** LLM calls in flight across every alias. */
  maxTotalConcurrent: number;
  listeners?: RunListener[];
  clock?: Clock;
  /** Stops admitting records; records already admitted go on. */
  stopSignal?: AbortSignal;
  /** Aborts queued and in-flight calls; their records end as interrupted. */
  abortSignal?: AbortSignal;
  /** Finished work of an earlier run of the same input. */
  resume?: {
    finishedRecordIds: Set<string>;
    nodeValues: Map<string, PriorValues>;
  };
  /**
   * Stops admitting records because an alias cannot be reached; records
   * already admitted go on, and `stoppedBy` is "unreachable".
   */
  unreachableSignal?: AbortSignal;
  /** Asked before each admission; false stops admitting (the spending budget). */
  canAdmit?: () => boolean;
  /** Returns a promise while the output is backed up; admission waits for it. */
  waitForOutput?: () => Promise<void> | undefined;
  checkSchema: (schema: Record<string, unknown>) => (value: unknown) => string[];
}

export interface RunTotals {
  /** Records read from the input, skipped ones included. */
  read: number;
  succeeded: number;
  failed: number;
  /** Stopped by an interrupt before they finished; a resume runs them. */
  interrupted: number;
  /** Finished in an earlier run and skipped on resume. */
  skipped: number;
  /** Reason admission stopped before the input ended, if it did. */
  stoppedBy?: "signal" | "budget" | "unreachable";
}

/** Aliases a graph calls, nested sub-graphs included. */
export function collectAliases(graph: Graph, into = new Set<string>()): Set<string> {
  for (const node of graph.nodes) {
    if (node.kind === "llm") into.add(node.alias);
    if (node.kind === "subgraph") collectAliases(node.graph, into);
  }
  return into;
}

/**
 * Streams records through the graph with at most `maxInflightGraphs` in
 * flight: a finished record frees a slot for the next one. Resolves once
 * every admitted record has finished, failed or been interrupted.
 */
export async function runRecords(options: RunRecordsOptions): Promise<RunTotals> {
  const clock = options.clock ?? systemClock;
  const stopSignal = options.stopSignal ?? new AbortController().signal;
  const abortSignal = options.abortSignal ?? new AbortController().signal;
  const unreachableSignal = options.unreachableSignal ?? new AbortController().signal;
  // The interrupt is checked first, so Ctrl-C keeps its exit code.
  const stopReason = (): RunTotals["stoppedBy"] => {
    if (stopSignal.aborted) return "signal";
    if (unreachableSignal.aborted) return "unreachable";
    return undefined;
  };
  const capacities = new Map<string, number>();
  for (const alias of collectAliases(options.graph)) {
    capacities.set(alias, options.gateway.capacity(alias));
  }
  const scheduler = new CallScheduler(capacities, options.maxTotalConcurrent);
  const emitter = new RunEmitter(options.listeners ?? []);
  const services: ExecutionServices = {
    scheduler,
    gateway: options.gateway,
    emitter,
    clock,
    signal: abortSignal,
    loadFunction: createFunctionLoader(),
    checkSchema: cachedSchemaChecker(options.checkSchema),
  };
  const onAbort = () => {
    for (const call of scheduler.cancelWhere(() => true)) {
      call.cancel(new Error("cancelled"));
    }
  };
  abortSignal.addEventListener("abort", onAbort, { once: true });

  const plan = planGraph(options.graph);
  const totals: RunTotals = { read: 0, succeeded: 0, failed: 0, interrupted: 0, skipped: 0 };
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const wakeAdmission = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stopSignal.addEventListener("abort", wakeAdmission);
  unreachableSignal.addEventListener("abort", wakeAdmission);

  const settle = (record: InputRecord, outcome: RecordOutcome) => {
    inFlight--;
    const atMs = clock.now();
    if (outcome.status === "done") {
      totals.succeeded++;
      emit(emitter.recordFinished, {
        recordId: record.id,
        seq: record.seq,
        output: outcome.output,
        atMs,
      });
    } else if (outcome.status === "failed") {
      totals.failed++;
      emit(emitter.recordFailed, { ...outcome.failure, atMs });
    } else {
      totals.interrupted++;
    }
    wakeAdmission();
  };

  // Ids name results and checkpoint lines, so a repeated id would mix two
  // records' work; the later record fails instead.
  const seenIds = new IdSet();
  const failDuplicate = (record: InputRecord) => {
    totals.failed++;
    emit(emitter.recordFailed, {
      recordId: record.id,
      seq: record.seq,
      kind: "input",
      message:
        `record on line ${record.line} has id "${record.id}", which an earlier record ` +
        "already has; make ids unique, or choose another field with --id-field",
      atMs: clock.now(),
    });
  };

  try {
    for await (const record of options.records) {
      if (stopReason() !== undefined) {
        totals.stoppedBy = stopReason();
        break;
      }
      if (options.canAdmit !== undefined && !options.canAdmit()) {
        totals.stoppedBy = "budget";
        break;
      }
      totals.read++;
      if (!seenIds.add(record.id)) {
        failDuplicate(record);
        continue;
      }
      if (options.resume?.finishedRecordIds.has(record.id)) {
        totals.skipped++;
        continue;
      }
      while (inFlight >= options.maxInflightGraphs && stopReason() === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const backedUp = options.waitForOutput?.();
      if (backedUp !== undefined) await backedUp;
      if (stopReason() !== undefined) {
        // The record was read but not started, so a resume must run it.
        totals.read--;
        totals.stoppedBy = stopReason();
        break;
      }
      inFlight++;
      admit(plan, services, record, options.resume?.nodeValues.get(record.id), settle);
    }
    // A stop can also end the input itself, because the reader is destroyed,
    // so the loop may end without seeing it. The run is interrupted either way.
    if (stopSignal.aborted) totals.stoppedBy ??= "signal";
    while (inFlight > 0) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopSignal.removeEventListener("abort", wakeAdmission);
    unreachableSignal.removeEventListener("abort", wakeAdmission);
    abortSignal.removeEventListener("abort", onAbort);
  }
  return totals;
}

function admit(
  plan: GraphPlan,
  services: ExecutionServices,
  record: InputRecord,
  prior: PriorValues | undefined,
  settle: (record: InputRecord, outcome: RecordOutcome) => void,
): void {
  const atMs = services.clock.now();
  emit(services.emitter.recordAdmitted, { recordId: record.id, seq: record.seq, atMs });
  const problem = checkRecord(plan.graph, record);
  if (problem !== undefined) {
    // Settle on a later tick, as a graph run would, so the admission loop
    // gets one order of events whatever the record contains.
    queueMicrotask(() => settle(record, { status: "failed", failure: problem }));
    return;
  }
  const run = new RecordRun(
    plan,
    services,
    { recordId: record.id, seq: record.seq },
    record.value!,
    (outcome) => settle(record, outcome),
    "",
    prior,
  );
  run.start();
}

/** Checks that the record parsed and carries every field the pipeline declares. */
function checkRecord(graph: Graph, record: InputRecord): RecordFailure | undefined {
  const fail = (message: string): RecordFailure => ({
    recordId: record.id,
    seq: record.seq,
    kind: "input",
    message,
  });
  if (record.error !== undefined || record.value === undefined) {
    return fail(record.error ?? `line ${record.line} holds no record`);
  }
  const missing = graph.inputFields.filter((field) => record.value![field] === undefined);
  if (missing.length === 0) return undefined;
  const names = missing.map((field) => `"${field}"`).join(", ");
  return fail(
    `record on line ${record.line} is missing ${names}, ` +
      `which ${graph.file} declares under input; add the field to every record`,
  );
}

function cachedSchemaChecker(
  compile: (schema: Record<string, unknown>) => (value: unknown) => string[],
): (schema: Record<string, unknown>) => (value: unknown) => string[] {
  const compiled = new WeakMap<object, (value: unknown) => string[]>();
  return (schema) => {
    let check = compiled.get(schema);
    if (check === undefined) {
      check = compile(schema);
      compiled.set(schema, check);
    }
    return check;
  };
}
