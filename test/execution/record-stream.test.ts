import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { CsvParser } from "../../src/execution/csv.js";
import type { InputRecord } from "../../src/execution/events.js";
import { countRecords, readRecords } from "../../src/execution/record-stream.js";

async function collect(iterable: AsyncIterable<InputRecord>): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  for await (const record of iterable) records.push(record);
  return records;
}

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "plait-records-"));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe("readRecords", () => {
  it("reads JSON Lines with ids and positions", async () => {
    const file = await tempFile("in.jsonl", '{"id":"a","x":1}\n\n{"x":2}\n{"id":7}\n');
    const records = await collect(readRecords({ source: file }));
    expect(records.map((r) => [r.id, r.seq, r.line])).toEqual([
      ["a", 0, 1],
      ["2", 1, 3],
      ["7", 2, 4],
    ]);
    expect(records[1]!.value).toEqual({ x: 2 });
  });

  it("turns a malformed line into a failing record", async () => {
    const file = await tempFile("in.jsonl", '{"x":1}\n{"x":\n[1,2]\n');
    const records = await collect(readRecords({ source: file }));
    expect(records).toHaveLength(3);
    expect(records[1]!.error).toMatch(/^line 2 is not valid JSON/);
    expect(records[2]!.error).toBe("line 3 is an array, expected a JSON object");
  });

  it("uses a configured id field", async () => {
    const file = await tempFile("in.jsonl", '{"key":"k1"}\n');
    const [record] = await collect(readRecords({ source: file, idField: "key" }));
    expect(record!.id).toBe("k1");
  });

  it("stops after the limit", async () => {
    const file = await tempFile("in.jsonl", '{"a":1}\n{"a":2}\n{"a":3}\n');
    expect(await collect(readRecords({ source: file, limit: 2 }))).toHaveLength(2);
  });

  it("reads CSV with a header", async () => {
    const file = await tempFile("in.csv", 'id,text\n1,"hello, ""world"""\n2,"two\nlines"\n3,x,extra\n');
    const records = await collect(readRecords({ source: file }));
    expect(records[0]!.value).toEqual({ id: "1", text: 'hello, "world"' });
    expect(records[1]!.value).toEqual({ id: "2", text: "two\nlines" });
    expect(records[2]!.error).toBe("line 5 has 3 fields, but the header has 2");
  });

  it("reads JSON Lines from standard input", async () => {
    const stdin = Readable.from(['{"a":1}\n{"a":', '2}\n']);
    const records = await collect(readRecords({ source: "-", stdin }));
    expect(records.map((r) => r.value)).toEqual([{ a: 1 }, { a: 2 }]);
  });
});

describe("CsvParser", () => {
  it("handles quotes split across chunks", () => {
    const parser = new CsvParser();
    const rows = [...parser.push('a,"x""'), ...parser.push('y"\r\n'), ...parser.push("b,c")];
    const last = parser.end();
    expect(rows.map((r) => r.fields)).toEqual([["a", 'x"y']]);
    expect(last?.fields).toEqual(["b", "c"]);
  });
});

describe("countRecords", () => {
  it("counts non-empty lines and CSV rows", async () => {
    expect(await countRecords(await tempFile("a.jsonl", "{}\n\n{}\n{}"))).toBe(3);
    expect(await countRecords(await tempFile("a.csv", "h\n1\n2\n"))).toBe(2);
    expect(await countRecords(await tempFile("a.jsonl", "{}\n{}\n"), 1)).toBe(1);
  });
});
