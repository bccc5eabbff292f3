import { systemClock, type Clock } from "../../src/util/clock.js";

/**
 * The system clock, except that while `hold` is on, a sleep that ends is
 * kept waiting until `release` or its signal aborts. Given to the mock
 * server, it stops every reply from going out, so that a test can let the
 * client read the replies already sent and then kill it with none in
 * transit.
 */
export class HoldingClock implements Clock {
  private isHolding = false;
  private waiters: Array<() => void> = [];

  now(): number {
    return systemClock.now();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await systemClock.sleep(ms, signal);
    if (!this.isHolding) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  hold(): void {
    this.isHolding = true;
  }

  release(): void {
    this.isHolding = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
