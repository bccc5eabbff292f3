import type { CompiledTemplate, GraphNode, SubgraphNode } from "../graph/types.js";
import type { CallResult } from "../resources/types.js";
import { emit } from "./emitter.js";
import type { RecordFailure } from "./events.js";
import { runFunctionNode } from "./function-node.js";
import type { GraphPlan } from "./graph-plan.js";
import { runLlmNode, type RecordRef } from "./llm-node.js";
import { NodeError } from "./node-error.js";
import { renderValue, type Scope } from "./resolve.js";
import { cancelledError, toNodeError, type ExecutionServices } from "./services.js";

/** Node states. A node is blocked until every dep is done. */
export const enum NodeState {
  Blocked = 0,
  Ready = 1,
  Running = 2,
  Done = 3,
  Failed = 4,
  Cancelled = 5,
}

export type RecordOutcome =
  | { status: "done"; output: Record<string, unknown> }
  | { status: "failed"; failure: RecordFailure }
  /** Stopped by Ctrl-C: neither a result nor an error, so a resume runs it. */
  | { status: "interrupted" };

/** Node values restored from a checkpoint, by full node name. */
export type PriorValues = Map<string, { value: unknown }>;

/**
 * One record's pass through a graph. Nodes start as soon as their deps are
 * done; a failed node cancels the nodes downstream of it in this record only,
 * while independent nodes finish (their paid-for results reach the
 * checkpoint). The outcome is reported once every node has settled.
 */
export class RecordRun {
  readonly states: Uint8Array;
  private readonly values: unknown[];
  private readonly remaining: Int32Array;
  private readonly scope: Scope;
  private settled = 0;
  private failure: RecordFailure | undefined;
  private isInterrupted = false;
  private isFinished = false;

  constructor(
    private readonly plan: GraphPlan,
    private readonly services: ExecutionServices,
    private readonly record: RecordRef,
    input: Record<string, unknown>,
    private readonly onDone: (outcome: RecordOutcome) => void,
    /** Prepended to node names: `parent[2]/` for a foreach sub-graph element. */
    private readonly prefix = "",
    private readonly prior?: PriorValues,
  ) {
    const count = plan.nodes.length;
    this.states = new Uint8Array(count);
    this.values = new Array<unknown>(count);
    this.remaining = plan.depCounts.slice();
    this.scope = { input, values: this.values, indexOf: plan.indexOf };
  }

  start(): void {
    const count = this.plan.nodes.length;
    if (count === 0) {
      this.finish();
      return;
    }
    // A foreach over an input field that is not a list would fail the
    // record only after the nodes before it had made their calls.
    for (const i of this.plan.inputForeach) {
      let list: unknown;
      try {
        list = renderValue(this.plan.nodes[i]!.foreach!, this.scope);
      } catch (error) {
        this.failBeforeStart(i, toNodeError(error));
        return;
      }
      if (!Array.isArray(list)) {
        this.failBeforeStart(i, notAListError(this.plan.nodes[i]!.foreach!.source, list));
        return;
      }
    }
    for (let i = 0; i < count; i++) {
      if (this.remaining[i] === 0) this.states[i] = NodeState.Ready;
    }
    for (let i = 0; i < count; i++) {
      if (this.states[i] === NodeState.Ready) this.launch(i);
    }
  }

  private launch(i: number): void {
    const node = this.plan.nodes[i]!;
    const name = this.prefix + node.id;
    this.states[i] = NodeState.Running;
    const restored = this.prior?.get(name);
    if (restored !== undefined) {
      this.complete(i, restored.value, undefined);
      return;
    }
    if (node.kind === "template" && node.foreach === undefined) {
      this.runSync(i, () => renderValue(node.template, this.scope));
      return;
    }
    if (node.kind === "object" && node.foreach === undefined) {
      this.runSync(i, () => renderFields(node.fields, this.scope));
      return;
    }
    const calls: CallResult[] = [];
    let running: Promise<unknown>;
    try {
      running = this.runAsync(node, name, calls);
    } catch (error) {
      this.fail(i, toNodeError(error));
      return;
    }
    running.then(
      (value) => this.complete(i, value, calls),
      (error: unknown) => this.fail(i, toNodeError(error, this.services.signal)),
    );
  }

  private runSync(i: number, evaluate: () => unknown): void {
    let value: unknown;
    try {
      value = evaluate();
    } catch (error) {
      this.fail(i, toNodeError(error));
      return;
    }
    this.complete(i, value, []);
  }

  private runAsync(node: GraphNode, name: string, calls: CallResult[]): Promise<unknown> {
    const { services, record } = this;
    const runOne = (scope: Scope, index: number): Promise<unknown> => {
      switch (node.kind) {
        case "llm":
          return runLlmNode(node, name, scope, record, services, calls);
        case "function":
          return runFunctionNode(node, scope, services);
        case "subgraph":
          return this.runSubgraph(node, scope, index);
        case "template":
          return Promise.resolve(renderValue(node.template, scope));
        case "object":
          return Promise.resolve(renderFields(node.fields, scope));
      }
    };
    if (node.foreach === undefined) return runOne(this.scope, 0);
    const list = renderValue(node.foreach, this.scope);
    if (!Array.isArray(list)) throw notAListError(node.foreach.source, list);
    return Promise.all(
      list.map((item, index) => runOne({ ...this.scope, item, index }, index)),
    );
  }

  private runSubgraph(node: SubgraphNode, scope: Scope, index: number): Promise<unknown> {
    const plan = this.plan.subplans.get(this.plan.indexOf.get(node.id)!)!;
    const input: Record<string, unknown> = {};
    for (const key in node.with) input[key] = renderValue(node.with[key]!, scope);
    const prefix = `${this.prefix}${node.id}[${index}]/`;
    return new Promise((resolve, reject) => {
      const child = new RecordRun(
        plan,
        this.services,
        this.record,
        input,
        (outcome) => {
          if (outcome.status === "done") resolve(outcome.output);
          else if (outcome.status === "interrupted") reject(cancelledError());
          else {
            const failure = outcome.failure;
            reject(new NodeError(failure.kind, `${failure.node}: ${failure.message}`));
          }
        },
        prefix,
        this.prior,
      );
      child.start();
    });
  }

  private complete(i: number, value: unknown, calls: CallResult[] | undefined): void {
    this.values[i] = value;
    this.states[i] = NodeState.Done;
    this.settled++;
    if (calls !== undefined) {
      const handlers = this.services.emitter.nodeFinished;
      if (handlers.length > 0) {
        emit(handlers, {
          recordId: this.record.recordId,
          seq: this.record.seq,
          node: this.prefix + this.plan.nodes[i]!.id,
          value,
          calls,
          atMs: this.services.clock.now(),
        });
      }
    }
    const dependents = this.plan.dependents[i]!;
    for (let k = 0; k < dependents.length; k++) {
      const d = dependents[k]!;
      if (--this.remaining[d]! === 0 && this.states[d] === NodeState.Blocked) {
        this.states[d] = NodeState.Ready;
        this.launch(d);
      }
    }
    if (this.settled === this.plan.nodes.length) this.finish();
  }

  private fail(i: number, error: NodeError): void {
    this.states[i] = NodeState.Failed;
    this.settled++;
    const node = this.prefix + this.plan.nodes[i]!.id;
    if (error.kind === "cancelled") {
      this.isInterrupted = true;
    } else {
      const failure: RecordFailure = {
        recordId: this.record.recordId,
        seq: this.record.seq,
        node,
        kind: error.kind,
        message: error.message,
      };
      if (error.reply !== undefined) failure.reply = error.reply;
      this.failure ??= failure;
      emit(this.services.emitter.nodeFailed, { ...failure, atMs: this.services.clock.now() });
    }
    this.cancelDownstream(i);
    if (this.settled === this.plan.nodes.length) this.finish();
  }

  /** Fails the record on node `i` before any node has run, cancelling the rest. */
  private failBeforeStart(i: number, error: NodeError): void {
    this.states.fill(NodeState.Cancelled);
    this.settled = this.plan.nodes.length - 1;
    this.fail(i, error);
  }

  private cancelDownstream(i: number): void {
    const stack = [...this.plan.dependents[i]!];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (this.states[d] !== NodeState.Blocked) continue;
      this.states[d] = NodeState.Cancelled;
      this.settled++;
      stack.push(...this.plan.dependents[d]!);
    }
  }

  /**
   * Reports the outcome once. A node that completes synchronously inside
   * another's completion can settle the last node first, so both reach here.
   */
  private finish(): void {
    if (this.isFinished) return;
    this.isFinished = true;
    if (this.failure !== undefined) {
      this.onDone({ status: "failed", failure: this.failure });
      return;
    }
    if (this.isInterrupted) {
      this.onDone({ status: "interrupted" });
      return;
    }
    let output: Record<string, unknown>;
    try {
      output = renderFields(this.plan.graph.outputs, this.scope);
    } catch (error) {
      const cause = toNodeError(error);
      this.onDone({
        status: "failed",
        failure: {
          recordId: this.record.recordId,
          seq: this.record.seq,
          node: `${this.prefix}outputs`,
          kind: cause.kind,
          message: cause.message,
        },
      });
      return;
    }
    this.onDone({ status: "done", output });
  }
}

function renderFields(
  fields: Record<string, CompiledTemplate>,
  scope: Scope,
): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const key in fields) value[key] = renderValue(fields[key]!, scope);
  return value;
}

function notAListError(source: string, value: unknown): NodeError {
  return new NodeError(
    "template",
    `foreach "${source}" must give a list, but it gave ` +
      `${value === null ? "null" : typeof value}; make the referenced value a JSON array`,
  );
}
