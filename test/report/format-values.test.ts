import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/report/format-values.js";

describe("formatDuration", () => {
  it.each([
    [null, "-"],
    [0, "0s"],
    [166, "0.2s"],
    [949, "0.9s"],
    [950, "1s"],
    [12_400, "12s"],
    [245_000, "4m 05s"],
    [7_380_000, "2h 03m"],
  ])("shows %s ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
