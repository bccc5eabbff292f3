import { access, stat as fsStat } from "node:fs/promises";
import path from "node:path";
import { readCsvHeader } from "../execution/csv-header.js";
import type { InputRecord } from "../execution/events.js";
import {
  detectFormat,
  readRecords,
  type RecordStreamOptions,
} from "../execution/record-stream.js";
import { UsageError } from "./usage-error.js";

/*
 * Checks of the files a run reads and writes, made before a run folder
 * exists, so that a wrong path or input stops the run with exit 2 and
 * nothing spent.
 */

/** Checks that a file plait will write can be created, before anything is spent. */
export async function checkWritable(file: string | undefined, flag: string): Promise<void> {
  if (file === undefined) return;
  const isFolder = await fsStat(file).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
  if (isFolder) {
    throw new UsageError(`${flag} "${file}" is a folder; give the path of a file to write`);
  }
  const folder = path.dirname(path.resolve(file));
  try {
    const stat = await fsStat(folder);
    if (stat.isDirectory()) return;
  } catch {
    // Reported below.
  }
  throw new UsageError(
    `${flag} "${file}" cannot be written: the folder ${folder} does not exist; create it first`,
  );
}

/** Checks that a file a run reads exists and is not a folder. */
export async function checkReadable(file: string, description: string): Promise<void> {
  try {
    await access(file);
  } catch {
    throw new UsageError(`${description} "${file}" was not found; check the path`);
  }
  if ((await fsStat(file)).isDirectory()) {
    throw new UsageError(`${description} "${file}" is a folder; give a file`);
  }
}

/**
 * Checks a CSV input's header against the pipeline's `input` fields before
 * the run, since a missing column would fail every record.
 */
export async function checkCsvHeader(file: string, inputFields: string[]): Promise<void> {
  const header = await readCsvHeader(file);
  if (header === undefined) return;
  const missing = inputFields.filter((field) => !header.includes(field));
  if (missing.length === 0) return;
  const names = missing.map((field) => `"${field}"`).join(", ");
  throw new UsageError(
    `${file}:1: the CSV header has no column ${names}, which the pipeline declares under ` +
      `input (the header has ${header.join(", ")}); add the column or rename it`,
  );
}

/** Lines read ahead of a run to tell a wrong input format from a few bad lines. */
const FIRST_LINES_CHECKED = 3;

/**
 * Reads the first records of a file input before a run folder exists. An
 * input whose first lines hold no record, or an --id-field that names no
 * field, then stops the run with exit 2 before anything is spent.
 */
export async function checkFirstRecords(
  inputPath: string,
  options: Omit<RecordStreamOptions, "source" | "limit">,
): Promise<void> {
  const first: InputRecord[] = [];
  const records = readRecords({ ...options, source: inputPath, limit: FIRST_LINES_CHECKED });
  for await (const record of records) first.push(record);
  if (first.length === 0 || first.some((record) => record.value !== undefined)) return;
  const lines = first.length === 1 ? "line" : `${first.length} lines`;
  const format =
    detectFormat(inputPath) === "csv"
      ? "A CSV input needs a header row naming the fields."
      : "JSON Lines holds one JSON object a line; a CSV file must be named .csv.";
  throw new UsageError(
    `${inputPath}:${first[0]!.line}: the first ${lines} of the input contained no record ` +
      `(${first[0]!.error ?? "not a record"}). ${format}`,
  );
}
