import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildFixtureMetricsJson, FIXTURE_RUN_FOLDER } from "./fixture.js";

describe("fixture run folder", () => {
  // Run with UPDATE_FIXTURES=1 after changing the collector or the synthetic run.
  it("holds the collector's current metrics.json", async () => {
    const expected = await buildFixtureMetricsJson();
    const file = path.join(FIXTURE_RUN_FOLDER, "metrics.json");
    if (process.env["UPDATE_FIXTURES"] === "1") fs.writeFileSync(file, expected);
    expect(fs.readFileSync(file, "utf8")).toBe(expected);
  });
});
