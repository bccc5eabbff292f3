import { Heap } from "./heap.js";

/** A call waiting for a slot. `start` is invoked once a slot is granted. */
export interface QueuedCall {
  alias: string;
  /** Higher runs first. */
  priority: number;
  /** Admission position of the record; lower runs first at equal priority. */
  recordSeq: number;
  start(): void;
  /** Invoked instead of `start` when the call is dropped from the queue. */
  cancel(reason: Error): void;
}

interface Entry {
  call: QueuedCall;
  order: number;
}

interface AliasQueue {
  alias: string;
  capacity: number;
  inFlight: number;
  waiting: Heap<Entry>;
}

function isBefore(a: Entry, b: Entry): boolean {
  if (a.call.priority !== b.call.priority) return a.call.priority > b.call.priority;
  if (a.call.recordSeq !== b.call.recordSeq) return a.call.recordSeq < b.call.recordSeq;
  return a.order < b.order;
}

/**
 * Grants concurrency slots to ready LLM calls. Each alias has its own queue
 * and its own cap, so a saturated alias never holds up a call to a free one;
 * a global cap bounds every alias together. Among waiting calls, higher
 * priority goes first, then the record admitted earliest, so records finish
 * in roughly input order and memory stays flat.
 */
export class CallScheduler {
  private readonly queues = new Map<string, AliasQueue>();
  private totalInFlight = 0;
  private order = 0;
  private waitingCount = 0;

  /**
   * @param capacities calls each alias may have in flight at once
   * @param maxTotal calls that may be in flight across all aliases
   */
  constructor(capacities: Map<string, number>, private readonly maxTotal: number) {
    for (const [alias, capacity] of capacities) {
      this.queues.set(alias, { alias, capacity, inFlight: 0, waiting: new Heap(isBefore) });
    }
  }

  get inFlight(): number {
    return this.totalInFlight;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  inFlightFor(alias: string): number {
    return this.queues.get(alias)?.inFlight ?? 0;
  }

  /** Queues a call, starting it at once when its alias and the run have a free slot. */
  submit(call: QueuedCall): void {
    const queue = this.queues.get(call.alias);
    if (queue === undefined) throw new Error(`no scheduler queue for alias "${call.alias}"`);
    if (queue.waiting.size === 0 && queue.inFlight < queue.capacity && this.hasGlobalSlot()) {
      this.grant(queue, call);
      return;
    }
    queue.waiting.push({ call, order: this.order++ });
    this.waitingCount++;
  }

  /** Frees the slot of a finished call and hands free slots to waiting calls. */
  release(alias: string): void {
    const queue = this.queues.get(alias);
    if (queue === undefined || queue.inFlight === 0) {
      throw new Error(`release of alias "${alias}" without a call in flight`);
    }
    queue.inFlight--;
    this.totalInFlight--;
    this.dispatch();
  }

  /** Drops waiting calls that match, for example those of a cancelled record. */
  cancelWhere(predicate: (call: QueuedCall) => boolean): QueuedCall[] {
    const dropped: QueuedCall[] = [];
    for (const queue of this.queues.values()) {
      for (const entry of queue.waiting.removeWhere((e) => predicate(e.call))) {
        dropped.push(entry.call);
      }
    }
    this.waitingCount -= dropped.length;
    return dropped;
  }

  private hasGlobalSlot(): boolean {
    return this.totalInFlight < this.maxTotal;
  }

  private grant(queue: AliasQueue, call: QueuedCall): void {
    queue.inFlight++;
    this.totalInFlight++;
    call.start();
  }

  /**
   * Fills free slots, each going to the best waiting call among the aliases
   * that still have room. A scan over aliases is cheap: a run has a handful.
   */
  private dispatch(): void {
    while (this.waitingCount > 0 && this.hasGlobalSlot()) {
      let best: AliasQueue | undefined;
      let bestHead: Entry | undefined;
      for (const queue of this.queues.values()) {
        if (queue.inFlight >= queue.capacity) continue;
        const head = queue.waiting.peek();
        if (head === undefined) continue;
        if (bestHead === undefined || isBefore(head, bestHead)) {
          best = queue;
          bestHead = head;
        }
      }
      if (best === undefined) return;
      this.startNext(best);
    }
  }

  private startNext(queue: AliasQueue): void {
    const entry = queue.waiting.pop()!;
    this.waitingCount--;
    this.grant(queue, entry.call);
  }
}
