import { describe, expect, it } from "vitest";
import { findCycles, sortTopologically } from "../../src/graph/topological-order.js";

describe("sortTopologically", () => {
  it("puts deps first and keeps order otherwise", () => {
    const sorted = sortTopologically([
      { id: "c", deps: ["b"] },
      { id: "a", deps: [] },
      { id: "b", deps: ["a", "a", "outside"] },
      { id: "d", deps: [] },
    ]);
    expect(sorted.map((vertex) => vertex.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("throws on a cycle", () => {
    expect(() =>
      sortTopologically([
        { id: "a", deps: ["b"] },
        { id: "b", deps: ["a"] },
      ]),
    ).toThrow("cycle");
  });
});

describe("findCycles", () => {
  it("returns each cycle as a chain", () => {
    const cycles = findCycles([
      { id: "a", deps: ["b"] },
      { id: "b", deps: ["c"] },
      { id: "c", deps: ["a"] },
      { id: "d", deps: ["d"] },
      { id: "e", deps: ["a"] },
    ]);
    expect(cycles).toEqual([
      ["a", "b", "c", "a"],
      ["d", "d"],
    ]);
  });

  it("finds none in a DAG", () => {
    expect(findCycles([{ id: "a", deps: [] }, { id: "b", deps: ["a"] }])).toEqual([]);
  });
});
