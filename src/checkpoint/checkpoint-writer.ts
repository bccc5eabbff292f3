import type { NodeFinishedEvent, RunListener } from "../execution/events.js";
import type { Clock } from "../util/clock.js";
import type { AppendSink } from "./file-sink.js";
import { encodeErrorLine, encodeNodeLine, encodeResultLine } from "./lines.js";

/** The three append-only files of a run, in the order every flush writes them. */
export interface CheckpointSinks {
  checkpoint: AppendSink;
  results: AppendSink;
  errors: AppendSink;
}

type RecordFinishedEvent = Parameters<NonNullable<RunListener["onRecordFinished"]>>[0];
type RecordFailedEvent = Parameters<NonNullable<RunListener["onRecordFailed"]>>[0];

const FILES = ["checkpoint", "results", "errors"] as const;
type FileKind = (typeof FILES)[number];

export interface CheckpointWriterOptions {
  /** Drives the flush timer. */
  clock: Clock;
  /** Finished nodes buffered before a flush starts (`checkpoint_buffer_size`). Default 10. */
  bufferSize?: number;
  /** Maximum time a line waits in the buffer before a flush starts, in ms. Default 1000. */
  flushIntervalMs?: number;
  /**
   * Text waiting or being written, in UTF-16 code units (bytes for ASCII),
   * above which `isBackedUp` is true. Default 4 MiB.
   */
  highWaterMark?: number;
  /** Records finished by an earlier attempt of this run, whose results are never written again. */
  finishedRecordIds?: ReadonlySet<string>;
  /**
   * Error lines of records that an earlier attempt left failed, by record id.
   * The ones that neither finish nor fail again in this attempt are written
   * to errors.jsonl when the writer closes.
   */
  carriedErrorLines?: ReadonlyMap<string, string>;
  /** Runs once after the last write, on `close` or `flushSync`. */
  onFinalFlush?: () => void;
}

/** Record counts across every attempt of the run, for the manifest. */
export interface WriterTotals {
  recordsDone: number;
  recordsFailed: number;
}

/**
 * Appends finished nodes to checkpoint.jsonl and finished or failed records
 * to results.jsonl and errors.jsonl.
 *
 * Each event costs one JSON.stringify and one array push. A flush starts
 * every `bufferSize` finished nodes, or when the oldest waiting line is
 * `flushIntervalMs` old, and writes each file's waiting lines as one chunk:
 * checkpoint first, then results, then errors, one file at a time. A
 * record's result line is therefore on disk only after its node lines. At
 * most one flush runs at a time; lines that arrive meanwhile wait for the
 * next trigger.
 */
export class CheckpointWriter implements RunListener {
  private readonly sinks: CheckpointSinks;
  private readonly clock: Clock;
  private readonly bufferSize: number;
  private readonly flushIntervalMs: number;
  private readonly highWaterMark: number;
  private readonly finishedBefore: ReadonlySet<string>;
  private readonly carried: Map<string, string>;
  private readonly onFinalFlush: (() => void) | undefined;

  private readonly buffers: Record<FileKind, string[]> = {
    checkpoint: [],
    results: [],
    errors: [],
  };
  /** Chunks taken from the buffers by the running flush and not yet handed to a sink. */
  private readonly queued: Record<FileKind, string> = { checkpoint: "", results: "", errors: "" };
  /** Text in buffers, queued or being written. */
  private pendingChars = 0;
  private nodeLinesWaiting = 0;
  private isFlushRequested = false;
  private isFlushing = false;
  private flushing: Promise<void> = Promise.resolve();
  private isTimerArmed = false;
  private readonly timerAbort = new AbortController();
  private drainWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  /** Set by `flushSync`: no async write may start after it. */
  private isTerminated = false;
  private areSinksClosed = false;
  private hasWrittenCarried = false;
  private hasRunFinalFlush = false;
  private recordsFinished = 0;
  private recordsFailed = 0;
  private duplicates = 0;

  constructor(sinks: CheckpointSinks, options: CheckpointWriterOptions) {
    this.sinks = sinks;
    this.clock = options.clock;
    this.bufferSize = positiveInteger("bufferSize", options.bufferSize ?? 10);
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.highWaterMark = options.highWaterMark ?? 4 * 1024 * 1024;
    this.finishedBefore = options.finishedRecordIds ?? new Set();
    this.carried = new Map(options.carriedErrorLines ?? []);
    this.onFinalFlush = options.onFinalFlush;
  }

  onNodeFinished(event: NodeFinishedEvent): void {
    if (this.isStopped()) return;
    this.add("checkpoint", encodeNodeLine(event.recordId, event.node, event.value, event.calls));
    this.nodeLinesWaiting++;
    if (this.nodeLinesWaiting >= this.bufferSize) this.requestFlush();
  }

  onRecordFinished(event: RecordFinishedEvent): void {
    if (this.isStopped()) return;
    if (this.finishedBefore.has(event.recordId)) {
      this.duplicates++;
      return;
    }
    this.carried.delete(event.recordId);
    this.recordsFinished++;
    this.add("results", encodeResultLine(event.recordId, event.output));
  }

  onRecordFailed(event: RecordFailedEvent): void {
    if (this.isStopped() || this.finishedBefore.has(event.recordId)) return;
    this.carried.delete(event.recordId);
    this.recordsFailed++;
    this.add(
      "errors",
      encodeErrorLine({
        id: event.recordId,
        node: event.node,
        kind: event.kind,
        message: event.message,
      }),
    );
  }

  /** Record counts including earlier attempts: finished, and failed now. */
  get totals(): WriterTotals {
    return {
      recordsDone: this.finishedBefore.size + this.recordsFinished,
      recordsFailed: this.carried.size + this.recordsFailed,
    };
  }

  /** Results dropped because an earlier attempt had already written that record. */
  get duplicateResults(): number {
    return this.duplicates;
  }

  /** The write error that stopped the writer, if any. */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * True while more than `highWaterMark` of text waits to be written, or
   * after a write failed. The runner admits no new record while it is true.
   */
  get isBackedUp(): boolean {
    return this.failure !== null || this.pendingChars > this.highWaterMark;
  }

  /** Resolves once `isBackedUp` is false; rejects with the write error if one occurs. */
  waitForDrain(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (!this.isBackedUp) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Writes everything buffered so far and resolves when it is written. */
  async flush(): Promise<void> {
    this.requestFlush();
    while (this.isFlushing) await this.flushing;
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Writes everything, including the errors carried from earlier attempts,
   * and closes the files. Events after this are ignored. Rejects with the
   * first write error, if any.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  /**
   * Writes everything synchronously for the exit path, when the process is
   * about to end without awaiting anything. Files stay open because a write
   * already in the thread pool may still use its descriptor. Events after
   * this are ignored.
   */
  flushSync(): void {
    if (this.isTerminated || this.areSinksClosed) return;
    this.isTerminated = true;
    this.timerAbort.abort();
    this.bufferCarriedErrors();
    for (const kind of FILES) {
      const chunk = this.queued[kind] + this.takeBuffer(kind);
      this.queued[kind] = "";
      this.sinks[kind].writeSync(chunk);
    }
    this.pendingChars = 0;
    this.runFinalFlush();
  }

  private async closeOnce(): Promise<void> {
    this.timerAbort.abort();
    this.bufferCarriedErrors();
    try {
      await this.flush();
    } finally {
      this.areSinksClosed = true;
      await Promise.all(FILES.map((kind) => this.sinks[kind].close()));
    }
    this.runFinalFlush();
  }

  private isStopped(): boolean {
    return this.closing !== null || this.isTerminated;
  }

  private add(kind: FileKind, line: string): void {
    this.buffers[kind].push(line);
    this.pendingChars += line.length;
    if (!this.isTimerArmed) this.armTimer();
    if (this.pendingChars > this.highWaterMark) this.requestFlush();
  }

  /** Starts the one shared flush timer; lines added while it runs share it. */
  private armTimer(): void {
    if (this.timerAbort.signal.aborted) return;
    this.isTimerArmed = true;
    this.clock.sleep(this.flushIntervalMs, this.timerAbort.signal).then(
      () => {
        this.isTimerArmed = false;
        if (this.hasBufferedLines()) this.requestFlush();
      },
      () => {
        this.isTimerArmed = false;
      },
    );
  }

  private requestFlush(): void {
    this.isFlushRequested = true;
    if (this.isFlushing) return;
    this.isFlushing = true;
    this.flushing = this.runFlushes();
  }

  private async runFlushes(): Promise<void> {
    try {
      while (this.isFlushRequested && !this.isTerminated && this.failure === null) {
        this.isFlushRequested = false;
        this.nodeLinesWaiting = 0;
        for (const kind of FILES) this.queued[kind] = this.takeBuffer(kind);
        for (const kind of FILES) {
          const chunk = this.queued[kind];
          if (chunk === "") continue;
          this.queued[kind] = "";
          await this.sinks[kind].write(chunk);
          if (this.isTerminated) return;
          this.pendingChars -= chunk.length;
          this.releaseDrainWaiters();
        }
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.isFlushing = false;
    }
  }

  private takeBuffer(kind: FileKind): string {
    const lines = this.buffers[kind];
    if (lines.length === 0) return "";
    this.buffers[kind] = [];
    return lines.join("");
  }

  private hasBufferedLines(): boolean {
    return FILES.some((kind) => this.buffers[kind].length > 0);
  }

  private bufferCarriedErrors(): void {
    if (this.hasWrittenCarried) return;
    this.hasWrittenCarried = true;
    for (const line of this.carried.values()) {
      this.buffers.errors.push(line);
      this.pendingChars += line.length;
    }
  }

  private releaseDrainWaiters(): void {
    if (this.isBackedUp || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private runFinalFlush(): void {
    if (this.hasRunFinalFlush) return;
    this.hasRunFinalFlush = true;
    this.onFinalFlush?.();
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number of at least 1, got ${value}`);
  }
  return value;
}
