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

  it("finds repeats among 300,000 ids", () => {
    const ids = new IdSet();
    let added = 0;
    for (let i = 0; i < 300_000; i++) if (ids.add(String(i))) added++;
    let repeats = 0;
    for (let i = 0; i < 300_000; i += 7) if (!ids.add(String(i))) repeats++;
    expect(added).toBe(300_000);
    expect(repeats).toBe(Math.ceil(300_000 / 7));
    expect(ids.size).toBe(300_000);
  });
});
