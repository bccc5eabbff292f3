import type { ErrorKind } from "../resources/events.js";
import type { CallResult } from "../resources/types.js";

/** A record as read from the input, before it is admitted. */
export interface InputRecord {
  /** The record's `id` field (or `--id-field`) when present, else its position from 1. */
  id: string;
  /** Position in the input from 0; admission order. */
  seq: number;
  /** Line in the input file, from 1, for messages. */
  line: number;
  /** Present when the record parsed. */
  value?: Record<string, unknown>;
  /** Present when the line could not be read as a record; the record fails with it. */
  error?: string;
}

export interface NodeFinishedEvent {
  recordId: string;
  seq: number;
  node: string;
  value: unknown;
  /** The LLM calls this node made, one per foreach element; empty for other kinds. */
  calls: CallResult[];
  atMs: number;
}

export interface RecordFailure {
  recordId: string;
  seq: number;
  /** The node that failed first, absent when the record itself was invalid. */
  node?: string;
  kind: ErrorKind;
  message: string;
  /** The model's reply, when the reply itself was the problem (invalid JSON, schema). */
  reply?: string;
}

/**
 * Record and node events from the execution engine. The checkpoint writer,
 * result writers, dashboard and reports listen; the engine never prints.
 */
export interface RunListener {
  onRecordAdmitted?(event: { recordId: string; seq: number; atMs: number }): void;
  onNodeFinished?(event: NodeFinishedEvent): void;
  onNodeFailed?(event: RecordFailure & { atMs: number }): void;
  onRecordFinished?(event: {
    recordId: string;
    seq: number;
    output: Record<string, unknown>;
    atMs: number;
  }): void;
  onRecordFailed?(event: RecordFailure & { atMs: number }): void;
}
