import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import type { InputRecord, RunListener } from "../../src/execution/events.js";
import { readRecords, type RecordStreamOptions } from "../../src/execution/record-stream.js";
import { runRecords } from "../../src/execution/runner.js";
import type { CallGateway } from "../../src/execution/services.js";
import { compileJsonSchema } from "../../src/graph/json-schema.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { ManualClock } from "../../src/util/clock.js";

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "plait-id-field-"));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function collect(options: RecordStreamOptions): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  for await (const record of readRecords(options)) records.push(record);
  return records;
}

async function collectError(options: RecordStreamOptions): Promise<ConfigError> {
  const error = await collect(options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("readRecords with a chosen id field", () => {
  it("reads ids from the field", async () => {
    const file = await tempFile("in.jsonl", '{"key":"k1"}\n{"key":7}\n');
    const records = await collect({ source: file, idField: "key" });
    expect(records.map((record) => record.id)).toEqual(["k1", "7"]);
    expect(records.every((record) => record.error === undefined)).toBe(true);
  });

  it("fails a record without the field", async () => {
    const file = await tempFile("in.jsonl", '{"key":"1"}\n{"text":"x"}\n{"key":"2"}\n');
    const records = await collect({ source: file, idField: "key" });
    expect(records.map((record) => record.id)).toEqual(["1", "line 2", "2"]);
    expect(records[1]!.error).toBe(
      'record on line 2 has no "key" field, the id field chosen with --id-field; ' +
        "add the field to this record",
    );
    expect(records[1]!.value).toEqual({ text: "x" });
    expect(records[2]!.error).toBeUndefined();
  });

  it.each([
    ["null", "null"],
    ['""', '""'],
    ["true", "true"],
    ['{"a":1}', "an object"],
    ["[1]", "a list"],
  ])("fails a record whose id is %s", async (written, shown) => {
    const file = await tempFile("in.jsonl", `{"key":"1"}\n{"key":${written}}\n`);
    const [, record] = await collect({ source: file, idField: "key" });
    expect(record!.id).toBe("line 2");
    expect(record!.error).toBe(
      `record on line 2 has ${shown} in "key", the id field chosen with --id-field, but ` +
        "an id must be a non-empty string or a number; give this record an id",
    );
  });

  it("never gives a failed record an id another record has", async () => {
    // Record 2 lacks the field; its position, 2, is the id of record 3.
    const file = await tempFile("in.jsonl", '{"key":1}\n{"x":0}\n{"key":2}\n');
    const ids = (await collect({ source: file, idField: "key" })).map((record) => record.id);
    expect(new Set(ids).size).toBe(3);
  });

  it("keeps a parse error as the record's error", async () => {
    const file = await tempFile("in.jsonl", '{"key":"a"}\n{"key":\n');
    const [, record] = await collect({ source: file, idField: "key" });
    expect(record!.id).toBe("line 2");
    expect(record!.error).toMatch(/^line 2 is not valid JSON/);
  });

  it("rejects the input when the first record lacks the field", async () => {
    const file = await tempFile("in.jsonl", '{"ticketId":"t1","text":"x"}\n{"ticket_id":"t2"}\n');
    const error = await collectError({ source: file, idField: "ticket_id" });
    expect(error.issues).toEqual([
      {
        file,
        line: 1,
        column: 1,
        message:
          '--id-field "ticket_id" names no field of the first record (it has ticketId, ' +
          'text). Did you mean "ticketId"? Give a field every record has, or leave out ' +
          '--id-field to use each record\'s "id", else its position.',
      },
    ]);
  });

  it("judges by the first record that parses", async () => {
    const file = await tempFile("in.jsonl", "not json\n\n{\"text\":\"x\"}\n");
    const error = await collectError({ source: file, idField: "key" });
    expect(error.issues[0]!.line).toBe(3);
    expect(error.issues[0]!.message).toContain("(it has text)");
  });

  it("names the CSV header when the column is missing", async () => {
    const file = await tempFile("in.csv", "ident,text\n1,x\n");
    const error = await collectError({ source: file, idField: "id", isIdFieldRequired: true });
    expect(error.message).toBe(
      `${file}:2:1: --id-field "id" names no column of the CSV header (it has ident, text). ` +
        'Give a field every record has, or leave out --id-field to use each record\'s "id", ' +
        "else its position.",
    );
  });

  it("fails a CSV row with an empty id cell", async () => {
    const file = await tempFile("in.csv", "key,text\nk1,x\n,y\n");
    const records = await collect({ source: file, idField: "key" });
    expect(records.map((record) => record.id)).toEqual(["k1", "line 3"]);
    expect(records[1]!.error).toContain('has "" in "key"');
  });

  it("keeps the default for the id field", async () => {
    const file = await tempFile("in.jsonl", '{"text":"x"}\n{"id":"a"}\n{"id":null}\n');
    const records = await collect({ source: file });
    expect(records.map((record) => record.id)).toEqual(["1", "a", "3"]);
    expect(records.every((record) => record.error === undefined)).toBe(true);
  });

  it("keeps the default when the id field is named id", async () => {
    const file = await tempFile("in.jsonl", '{"text":"x"}\n{"id":"a"}\n');
    const records = await collect({ source: file, idField: "id" });
    expect(records.map((record) => record.id)).toEqual(["1", "a"]);
  });
});

describe("runRecords with a chosen id field", () => {
  it("fails a record without the field and runs the rest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plait-id-field-run-"));
    const pipeline = join(dir, "pipeline.yaml");
    await writeFile(
      pipeline,
      'input: [text]\nnodes:\n  echo: {template: "got {{ input.text }}"}\n' +
        'outputs: {echo: "{{ echo }}"}\n',
    );
    const input = join(dir, "in.jsonl");
    await writeFile(
      input,
      '{"key":"a","text":"1"}\n{"text":"2"}\n{"key":"b","text":"3"}\n',
    );
    const graph = await loadPipeline(pipeline);

    const gateway: CallGateway = {
      capacity: () => 1,
      call: () => Promise.reject(new Error("a template pipeline makes no calls")),
    };
    const finished: string[] = [];
    const failed: Array<{ recordId: string; kind: string; message: string }> = [];
    const listener: RunListener = {
      onRecordFinished: (event) => finished.push(event.recordId),
      onRecordFailed: (event) => failed.push(event),
    };

    const totals = await runRecords({
      graph,
      gateway,
      records: readRecords({ source: input, idField: "key" }),
      maxInflightGraphs: 2,
      maxTotalConcurrent: 1,
      listeners: [listener],
      clock: new ManualClock(),
      checkSchema: compileJsonSchema,
    });

    expect(totals).toMatchObject({ read: 3, succeeded: 2, failed: 1 });
    expect(finished.sort()).toEqual(["a", "b"]);
    expect(failed).toEqual([
      expect.objectContaining({
        recordId: "line 2",
        kind: "input",
        message:
          'record on line 2 has no "key" field, the id field chosen with --id-field; ' +
          "add the field to this record",
      }),
    ]);
  });
});
