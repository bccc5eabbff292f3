import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { InputRecord } from "../../src/execution/events.js";
import { runRecords } from "../../src/execution/runner.js";
import type { CallGateway } from "../../src/execution/services.js";
import { compileJsonSchema } from "../../src/graph/json-schema.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { CallError } from "../../src/resources/call-error.js";

const ONE_CALL = `
name: one
input: [text]
nodes:
  a: { llm: m, prompt: "A {{ input.text }}" }
outputs:
  a: "{{ a }}"
`;

async function* recordsOf(count: number): AsyncGenerator<InputRecord> {
  for (let seq = 0; seq < count; seq++) {
    yield { id: String(seq + 1), seq, line: seq + 1, value: { text: `t${seq}` } };
  }
}

/** Builds a gateway whose calls all fail to connect; `onCall` gets each call's number from 1. */
function refusingGateway(onCall: (callNumber: number) => void): CallGateway {
  let calls = 0;
  return {
    capacity: () => 4,
    async call() {
      calls++;
      onCall(calls);
      await Promise.resolve();
      throw new CallError("m: connection to http://127.0.0.1:9/v1 failed: connect ECONNREFUSED", {
        kind: "transient",
        callId: `c${calls}`,
        endpoint: "m",
        attempts: 2,
      });
    },
  };
}

describe("runRecords with an unreachable signal", () => {
  it("stops admitting and leaves unread records out", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "plait-runner-unreachable-"));
    const file = path.join(dir, "pipeline.yaml");
    await writeFile(file, ONE_CALL);
    const unreachable = new AbortController();
    const failedIds: string[] = [];
    const totals = await runRecords({
      graph: await loadPipeline(file),
      gateway: refusingGateway((callNumber) => {
        if (callNumber === 2) unreachable.abort();
      }),
      records: recordsOf(6),
      maxInflightGraphs: 2,
      maxTotalConcurrent: 10,
      listeners: [{ onRecordFailed: (event) => failedIds.push(event.recordId) }],
      unreachableSignal: unreachable.signal,
      checkSchema: compileJsonSchema,
    });
    expect(totals.stoppedBy).toBe("unreachable");
    // The third record waited for a slot when the signal fired, so it was not started.
    expect(totals.read).toBe(2);
    expect(totals.failed).toBe(2);
    expect(totals.interrupted).toBe(0);
    expect(failedIds.sort()).toEqual(["1", "2"]);
  });
});
