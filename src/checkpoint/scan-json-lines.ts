import fs from "node:fs";
import { isNotFound } from "./manifest.js";

export interface ScanResult {
  /**
   * Length in bytes of the part worth keeping: everything before a torn or
   * unreadable last line. Appending resumes from here.
   */
  validBytes: number;
  warnings: string[];
}

/**
 * Calls `onLine` with each parsed line of a JSON Lines file and its line
 * number from 1. `onLine` returns false when the JSON does not have the
 * expected shape, which counts as a corrupt line.
 *
 * plait writes whole lines that end in a newline, so a last line without
 * one was cut off mid-write: it is skipped and left out of `validBytes`, even
 * when the fragment happens to parse. An unreadable line at the very end is
 * treated the same way. An unreadable line with readable lines after it is
 * skipped with a warning that names its number, and stays in the file.
 * A missing file reads as empty.
 */
export async function scanJsonLines(
  filePath: string,
  label: string,
  onLine: (json: unknown, lineNumber: number) => boolean,
): Promise<ScanResult> {
  const warnings: string[] = [];
  let lineNumber = 0;
  let offset = 0;
  let carry: Buffer = Buffer.alloc(0);
  /** The last unreadable line, not yet known to be in the middle or at the end. */
  let unreadable: Unreadable | null = null;

  const handleLine = (line: Buffer, startBytes: number) => {
    lineNumber++;
    const text = line.toString("utf8").trim();
    if (text === "") return;
    if (unreadable !== null) {
      warnings.push(middleWarning(label, unreadable));
      unreadable = null;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      unreadable = { lineNumber, startBytes, reason: "not valid JSON" };
      return;
    }
    if (!onLine(json, lineNumber)) {
      unreadable = { lineNumber, startBytes, reason: `not a ${label} entry` };
    }
  };

  try {
    for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1 << 20 })) {
      const data = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk]);
      let start = 0;
      for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
        handleLine(data.subarray(start, end), offset + start);
        start = end + 1;
      }
      offset += start;
      carry = data.subarray(start);
    }
  } catch (error) {
    if (isNotFound(error)) return { validBytes: 0, warnings };
    throw error;
  }

  let validBytes = offset;
  const last = unreadable as Unreadable | null;
  if (carry.length > 0) {
    if (last !== null) warnings.push(middleWarning(label, last));
    lineNumber++;
    warnings.push(tornWarning(label, lineNumber, "has no newline, so its write was cut off"));
  } else if (last !== null) {
    validBytes = last.startBytes;
    warnings.push(tornWarning(label, last.lineNumber, `is ${last.reason}`));
  }
  return { validBytes, warnings };
}

interface Unreadable {
  lineNumber: number;
  startBytes: number;
  reason: string;
}

function middleWarning(label: string, line: Unreadable): string {
  return `${label} line ${line.lineNumber}: ${line.reason}; skipped`;
}

function tornWarning(label: string, lineNumber: number, why: string): string {
  return (
    `${label} line ${lineNumber}: the last line ${why}; ` +
    "skipped, and removed from the file when the run resumes"
  );
}
