import { describe, expect, it } from "vitest";
import { IdSet } from "../../src/execution/id-set.js";

describe("IdSet", () => {
  it("reports a repeated id", () => {
    const ids = new IdSet();
    expect(ids.add("a")).toBe(true);
    expect(ids.add("b")).toBe(true);
    expect(ids.add("a")).toBe(false);
    expect(ids.size).toBe(2);
  });

  it("keeps every id across growth", () => {
    const ids = new IdSet();
    for (let i = 0; i < 50_000; i++) expect(ids.add(`record-${i}`)).toBe(true);
    for (let i = 0; i < 50_000; i += 997) expect(ids.add(`record-${i}`)).toBe(false);
    expect(ids.size).toBe(50_000);
  });
});
