import type { CallListener } from "../../src/resources/events.js";

type EventName = "started" | "finished" | "failed" | "retried" | "rateLimited";

/** A CallListener that records event names and lets a test await the next one. */
export class EventLog implements CallListener {
  readonly names: EventName[] = [];
  readonly retryAfterMs: number[] = [];
  private waiters: Array<{ name: EventName; count: number; resolve: () => void }> = [];

  onCallStarted() {
    this.push("started");
  }
  onCallFinished() {
    this.push("finished");
  }
  onCallFailed() {
    this.push("failed");
  }
  onCallRetried() {
    this.push("retried");
  }
  onCallRateLimited(event: { retryAfterMs: number }) {
    this.retryAfterMs.push(event.retryAfterMs);
    this.push("rateLimited");
  }

  /** Resolves once `count` events called `name` have been seen. */
  waitFor(name: EventName, count = 1): Promise<void> {
    if (this.count(name) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ name, count, resolve }));
  }

  count(name: EventName): number {
    return this.names.filter((entry) => entry === name).length;
  }

  private push(name: EventName) {
    this.names.push(name);
    for (const waiter of [...this.waiters]) {
      if (this.count(waiter.name) >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
