import type { ErrorKind } from "../resources/events.js";

/**
 * Why a node failed. The record's entry in errors.jsonl carries the kind
 * and message; `reply` keeps the model's text when the reply was the problem.
 */
export class NodeError extends Error {
  override name = "NodeError";

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly reply?: string,
  ) {
    super(message);
  }
}
