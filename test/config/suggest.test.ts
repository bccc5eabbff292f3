import { describe, expect, it } from "vitest";
import { editDistance, findClosest, suggest } from "../../src/config/suggest.js";

describe("editDistance", () => {
  it.each([
    ["fast", "fast", 0],
    ["fsat", "fast", 1],
    ["summry", "summary", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("between %s and %s is %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});

describe("findClosest", () => {
  it("finds a likely typo", () => {
    expect(findClosest("max_concurent", ["max_retries", "max_concurrent"])).toBe(
      "max_concurrent",
    );
  });

  it("ignores case differences", () => {
    expect(findClosest("Fast", ["fast", "slow"])).toBe("fast");
  });

  it("finds nothing far away", () => {
    expect(findClosest("banana", ["fast", "slow"])).toBeUndefined();
  });

  it("suggests nothing for one letter", () => {
    expect(findClosest("b", ["a"])).toBeUndefined();
  });
});

describe("suggest", () => {
  it("lists valid names when nothing is close", () => {
    expect(suggest("zzz", ["a", "b"], "keys")).toBe("Valid keys: a, b.");
  });

  it("says when there are no names", () => {
    expect(suggest("zzz", [], "aliases")).toBe("There are no aliases.");
  });
});
