import type { RunListener } from "./events.js";

type Handler<K extends keyof RunListener> = NonNullable<RunListener[K]>;

/**
 * Fans run events out to listeners. Handler lists are built once, so an
 * event with no listeners costs a length check, and none allocates.
 */
export class RunEmitter {
  readonly recordAdmitted: Array<Handler<"onRecordAdmitted">> = [];
  readonly nodeFinished: Array<Handler<"onNodeFinished">> = [];
  readonly nodeFailed: Array<Handler<"onNodeFailed">> = [];
  readonly recordFinished: Array<Handler<"onRecordFinished">> = [];
  readonly recordFailed: Array<Handler<"onRecordFailed">> = [];

  constructor(listeners: RunListener[]) {
    for (const l of listeners) {
      if (l.onRecordAdmitted) this.recordAdmitted.push(l.onRecordAdmitted.bind(l));
      if (l.onNodeFinished) this.nodeFinished.push(l.onNodeFinished.bind(l));
      if (l.onNodeFailed) this.nodeFailed.push(l.onNodeFailed.bind(l));
      if (l.onRecordFinished) this.recordFinished.push(l.onRecordFinished.bind(l));
      if (l.onRecordFailed) this.recordFailed.push(l.onRecordFailed.bind(l));
    }
  }
}

/** Calls each handler with the event. */
export function emit<E>(handlers: Array<(event: E) => void>, event: E): void {
  for (let i = 0; i < handlers.length; i++) handlers[i]!(event);
}
