import type { Clock } from "../util/clock.js";
import type { CallContext, CallResult, LlmRequest } from "../resources/types.js";
import type { RunEmitter } from "./emitter.js";
import { NodeError } from "./node-error.js";
import type { CallScheduler } from "./scheduler.js";

/** The part of the resource manager that the execution layer calls. */
export interface CallGateway {
  /** Calls of the alias that may be in flight at once. */
  capacity(alias: string): number;
  call(
    alias: string,
    request: LlmRequest,
    context: CallContext,
    signal: AbortSignal,
  ): Promise<CallResult>;
}

/** Shared by every record of a run. */
export interface ExecutionServices {
  scheduler: CallScheduler;
  gateway: CallGateway;
  emitter: RunEmitter;
  clock: Clock;
  /** Aborts queued and in-flight calls (the second stage of Ctrl-C). */
  signal: AbortSignal;
  loadFunction(modulePath: string, exportName: string): Promise<UserFunction>;
  checkSchema(schema: Record<string, unknown>): (value: unknown) => string[];
}

export type UserFunction = (args: Record<string, unknown>) => unknown;

/** Sends one call through the scheduler: it starts once its alias and the run have a free slot. */
export function scheduleCall(
  services: ExecutionServices,
  alias: string,
  priority: number,
  recordSeq: number,
  request: LlmRequest,
  context: CallContext,
): Promise<CallResult> {
  const { scheduler, gateway, signal } = services;
  return new Promise<CallResult>((resolve, reject) => {
    scheduler.submit({
      alias,
      priority,
      recordSeq,
      start() {
        if (signal.aborted) {
          scheduler.release(alias);
          reject(cancelledError());
          return;
        }
        gateway.call(alias, request, context, signal).then(
          (result) => {
            scheduler.release(alias);
            resolve(result);
          },
          (error: unknown) => {
            scheduler.release(alias);
            reject(toNodeError(error, signal));
          },
        );
      },
      cancel: reject,
    });
  });
}

export function cancelledError(): NodeError {
  return new NodeError("cancelled", "cancelled because the run was interrupted");
}

/** Carries a resource manager error's kind over, so errors.jsonl records what happened. */
export function toNodeError(error: unknown, signal?: AbortSignal): NodeError {
  if (error instanceof NodeError) return error;
  if (signal?.aborted) return cancelledError();
  const message = error instanceof Error ? error.message : String(error);
  const kind =
    error !== null && typeof error === "object" && "kind" in error && typeof error.kind === "string"
      ? (error.kind as NodeError["kind"])
      : "permanent";
  return new NodeError(kind, message);
}
