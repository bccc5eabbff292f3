import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ConfigError } from "../config/errors.js";
import { findClosest } from "../config/suggest.js";
import { CsvParser } from "./csv.js";
import type { InputRecord } from "./events.js";

/** The id field when none is chosen: used when a record has it, else the position. */
const DEFAULT_ID_FIELD = "id";

export interface RecordStreamOptions {
  /** A path, or "-" for JSON Lines on standard input. */
  source: string;
  /** Field whose value becomes the record id. Default "id". */
  idField?: string;
  /**
   * When true, a record without a usable `idField` value fails instead of
   * taking its position as id, and the stream throws a ConfigError when the
   * first record read lacks the field. Default: true when `idField` is set
   * to another field than "id", because the CLI passes "id" both for
   * `--id-field id` and when the flag is left out.
   */
  isIdFieldRequired?: boolean;
  /** Read at most this many records. */
  limit?: number;
  /** Overrides the format guessed from the file extension. */
  format?: "jsonl" | "csv";
  /** Standard input, injectable for tests. */
  stdin?: NodeJS.ReadableStream;
  /**
   * Stops reading: the stream is destroyed, so a pipe or FIFO that sends
   * nothing more cannot keep an interrupted run waiting.
   */
  signal?: AbortSignal;
}

/** Guesses the input format: `.csv` files are CSV, everything else JSON Lines. */
export function detectFormat(source: string): "jsonl" | "csv" {
  return source.toLowerCase().endsWith(".csv") ? "csv" : "jsonl";
}

/**
 * Streams the records of a JSON Lines or CSV input, one at a time, so memory
 * does not grow with the input. A line that is not a record still yields an
 * InputRecord, with `error` set, so that record fails and the run goes on.
 */
export async function* readRecords(options: RecordStreamOptions): AsyncGenerator<InputRecord> {
  const format = options.format ?? (options.source === "-" ? "jsonl" : detectFormat(options.source));
  const idField = options.idField ?? DEFAULT_ID_FIELD;
  const isIdFieldRequired = options.isIdFieldRequired ?? idField !== DEFAULT_ID_FIELD;
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return;
  const stream =
    options.source === "-"
      ? (options.stdin ?? process.stdin)
      : createReadStream(options.source, { encoding: "utf8", highWaterMark: 1 << 16 });
  const stop = () => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  options.signal?.addEventListener("abort", stop, { once: true });
  const rows = format === "csv" ? readCsvRows(stream) : readJsonLines(stream);
  const idReader = isIdFieldRequired
    ? new RequiredIdReader(idField, options.source, format)
    : undefined;
  let seq = 0;
  try {
    for await (const row of rows) {
      yield idReader?.toRecord(row, seq) ?? toRecord(row, seq, idField);
      seq++;
      if (seq >= limit) break;
    }
  } catch (error) {
    // Destroying the stream on stop ends the read with an error; that is
    // the requested end of input, not a failure.
    if (!options.signal?.aborted) throw error;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
}

interface RawRow {
  line: number;
  value?: Record<string, unknown>;
  error?: string;
}

/** Builds a record whose id is its `idField` value when usable, else its position. */
function toRecord(row: RawRow, seq: number, idField: string): InputRecord {
  const ownId = row.value?.[idField];
  const id =
    typeof ownId === "string" || typeof ownId === "number" ? String(ownId) : String(seq + 1);
  const record: InputRecord = { id, seq, line: row.line };
  if (row.value !== undefined) record.value = row.value;
  if (row.error !== undefined) record.error = row.error;
  return record;
}

/**
 * Reads ids from a field the user chose. A record without a usable value
 * fails, with an id made from its line, which no other record has:
 * its position could be the id of a later record, which would then fail as
 * a repeat. When the field is absent from the first record read, no record
 * so far has it, which is most likely a misspelt field name, so the input
 * is rejected before any record runs.
 */
class RequiredIdReader {
  private hasSeenField = false;

  constructor(
    private readonly idField: string,
    private readonly source: string,
    private readonly format: "jsonl" | "csv",
  ) {}

  toRecord(row: RawRow, seq: number): InputRecord {
    const record: InputRecord = { id: `line ${row.line}`, seq, line: row.line };
    if (row.value === undefined) {
      record.error = row.error ?? `line ${row.line} holds no record`;
      return record;
    }
    record.value = row.value;
    if (row.error !== undefined) record.error = row.error;
    const hasField = Object.prototype.hasOwnProperty.call(row.value, this.idField);
    if (!hasField && !this.hasSeenField) this.rejectInput(row.line, row.value);
    this.hasSeenField = true;
    const id = row.value[this.idField];
    if ((typeof id === "string" && id !== "") || (typeof id === "number" && isFinite(id))) {
      record.id = String(id);
      return record;
    }
    record.error ??= hasField
      ? `record on line ${row.line} has ${describeId(id)} in "${this.idField}", ` +
        "the id field chosen with --id-field, but an id must be a non-empty string or a " +
        "number; give this record an id"
      : `record on line ${row.line} has no "${this.idField}" field, the id field chosen ` +
        "with --id-field; add the field to this record";
    return record;
  }

  private rejectInput(line: number, value: Record<string, unknown>): never {
    const fields = Object.keys(value);
    const file = this.source === "-" ? "standard input" : this.source;
    const closest = findClosest(this.idField, fields);
    const hint = closest === undefined ? "" : ` Did you mean "${closest}"?`;
    const named = `--id-field "${this.idField}"`;
    const problem =
      this.format === "csv"
        ? `${named} names no column of the CSV header (it has ${fields.join(", ")}).`
        : `${named} names no field of the first record (it has ` +
          `${fields.length > 0 ? fields.join(", ") : "no fields"}).`;
    const fix =
      " Give a field every record has, or leave out --id-field to use each record's " +
      '"id", else its position.';
    throw new ConfigError([{ file, line, column: 1, message: problem + hint + fix }]);
  }
}

function describeId(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return JSON.stringify(value);
}

/** The UTF-8 byte order mark some editors put at the start of a file. */
const BOM = "\uFEFF";

async function* readJsonLines(stream: NodeJS.ReadableStream): AsyncGenerator<RawRow> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = line === 1 && raw.startsWith(BOM) ? raw.slice(1) : raw;
    if (text.trim() === "") continue;
    yield parseJsonLine(text, line);
  }
}

function parseJsonLine(text: string, line: number): RawRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { line, error: `line ${line} is not valid JSON (${reason})` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "an array" : `a ${value === null ? "null" : typeof value}`;
    return { line, error: `line ${line} is ${kind}, expected a JSON object` };
  }
  return { line, value: value as Record<string, unknown> };
}

async function* readCsvRows(stream: NodeJS.ReadableStream): AsyncGenerator<RawRow> {
  const parser = new CsvParser();
  let header: string[] | undefined;
  const convert = (fields: string[], line: number): RawRow | undefined => {
    if (header === undefined) {
      header = fields.map((name) => name.trim());
      return undefined;
    }
    if (fields.length === 1 && fields[0] === "") return undefined;
    if (fields.length !== header.length) {
      return {
        line,
        error:
          `line ${line} has ${fields.length} ${fields.length === 1 ? "field" : "fields"}, ` +
          `but the header has ${header.length}`,
      };
    }
    const value: Record<string, unknown> = {};
    header.forEach((name, i) => (value[name] = fields[i]));
    return { line, value };
  };
  let isFirstChunk = true;
  for await (const chunk of stream) {
    let text = typeof chunk === "string" ? chunk : String(chunk);
    if (isFirstChunk && text.startsWith(BOM)) text = text.slice(1);
    isFirstChunk = false;
    for (const row of parser.push(text)) {
      const converted = convert(row.fields, row.line);
      if (converted !== undefined) yield converted;
    }
  }
  const last = parser.end();
  if (last !== undefined) {
    const converted = convert(last.fields, last.line);
    if (converted !== undefined) {
      if (parser.isInsideQuotes) converted.error = `line ${last.line} has an unclosed quote`;
      yield converted;
    }
  }
}

/**
 * Counts the records of a file without parsing them, for the ETA and the
 * cost projection. Returns undefined for standard input.
 */
export async function countRecords(source: string, limit?: number): Promise<number | undefined> {
  if (source === "-") return undefined;
  let count = 0;
  if (detectFormat(source) === "csv") {
    const parser = new CsvParser();
    for await (const chunk of createReadStream(source, { encoding: "utf8" })) {
      for (const row of parser.push(chunk as string)) {
        if (!(row.fields.length === 1 && row.fields[0] === "")) count++;
      }
    }
    if (parser.end() !== undefined) count++;
    count = Math.max(0, count - 1);
  } else {
    const lines = createInterface({ input: createReadStream(source), crlfDelay: Infinity });
    for await (const text of lines) if (text.trim() !== "") count++;
  }
  return limit === undefined ? count : Math.min(count, limit);
}
