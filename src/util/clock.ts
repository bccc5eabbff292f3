/**
 * Time source and sleep, injected everywhere so that schedulers, rate
 * limiters and retries can be tested against a manual clock without waiting.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences are meaningful. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with the signal's reason when
   * the signal aborts first. A non-positive `ms` resolves on the next tick.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Random source in [0, 1), injected so that jitter is reproducible in tests. */
export type Random = () => number;

/** Maximum delay of a Node.js timer, in milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      // setTimeout fires at once for delays above 2^31 - 1 ms, so cap them.
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

interface Sleeper {
  wakeAt: number;
  order: number;
  resolve: () => void;
}

/**
 * A clock that moves only when a test calls `advance`. Sleepers wake in order
 * of their wake time, then in the order they started sleeping, and each
 * wake-up lets pending promise callbacks run before the next one.
 */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private order = 0;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper: Sleeper = {
        wakeAt: this.current + Math.max(0, ms),
        order: this.order++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Number of sleeps that have not woken yet. */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.nextSleeper();
      if (next === undefined || next.wakeAt > target) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.current = Math.max(this.current, next.wakeAt);
      next.resolve();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Advances to each pending wake time in turn until nothing sleeps. */
  async runAll(limitMs = 3_600_000): Promise<void> {
    const end = this.current + limitMs;
    await flushMicrotasks();
    for (;;) {
      const next = this.nextSleeper();
      if (next === undefined || next.wakeAt > end) return;
      await this.advance(next.wakeAt - this.current);
    }
  }

  private nextSleeper(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) {
      if (
        best === undefined ||
        s.wakeAt < best.wakeAt ||
        (s.wakeAt === best.wakeAt && s.order < best.order)
      ) {
        best = s;
      }
    }
    return best;
  }
}

/** Lets every queued promise callback run, including chains of them. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
