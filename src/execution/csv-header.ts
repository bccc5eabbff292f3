import { createReadStream } from "node:fs";
import { CsvParser } from "./csv.js";

/**
 * Reads the header row of a CSV file, without reading the rest. Returns
 * undefined for an empty file.
 */
export async function readCsvHeader(file: string): Promise<string[] | undefined> {
  const parser = new CsvParser();
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 14 });
  try {
    for await (const chunk of stream) {
      const text = (chunk as string).replace(/^\uFEFF/, "");
      const [first] = parser.push(text);
      if (first !== undefined) return first.fields.map((name) => name.trim());
    }
    return parser.end()?.fields.map((name) => name.trim());
  } finally {
    stream.destroy();
  }
}
