import { describe, expect, it } from "vitest";
import { chooseProgressMode, isColorEnabled } from "../../src/dashboard/progress-mode.js";

describe("chooseProgressMode", () => {
  it.each([
    { case: "terminal", isTTY: true, env: {}, mode: "dashboard" },
    { case: "pipe", isTTY: false, env: {}, mode: "plain" },
    { case: "CI=true", isTTY: true, env: { CI: "true" }, mode: "plain" },
    { case: "CI=1", isTTY: true, env: { CI: "1" }, mode: "plain" },
    { case: "CI=false", isTTY: true, env: { CI: "false" }, mode: "dashboard" },
    { case: "dumb terminal", isTTY: true, env: { TERM: "dumb" }, mode: "plain" },
  ])("picks $mode for $case", ({ isTTY, env, mode }) => {
    expect(chooseProgressMode({ isTTY, env })).toBe(mode);
  });

  it.each(["plain", "bar", "dashboard", "none"])("honours --progress %s", (flag) => {
    expect(chooseProgressMode({ flag, isTTY: false, env: { CI: "true" } })).toBe(flag);
  });

  it("rejects an unknown flag value", () => {
    expect(() => chooseProgressMode({ flag: "fancy", isTTY: true, env: {} })).toThrow(
      'invalid --progress value "fancy": expected one of plain, bar, dashboard, none',
    );
  });
});

describe("isColorEnabled", () => {
  it.each([
    { case: "terminal", isTTY: true, env: {}, isColor: true },
    { case: "pipe", isTTY: false, env: {}, isColor: false },
    { case: "NO_COLOR=1", isTTY: true, env: { NO_COLOR: "1" }, isColor: false },
    { case: "empty NO_COLOR", isTTY: true, env: { NO_COLOR: "" }, isColor: true },
    { case: "FORCE_COLOR=1 on a pipe", isTTY: false, env: { FORCE_COLOR: "1" }, isColor: true },
    { case: "FORCE_COLOR=0", isTTY: true, env: { FORCE_COLOR: "0" }, isColor: false },
    { case: "dumb terminal", isTTY: true, env: { TERM: "dumb" }, isColor: false },
  ])("is $isColor for $case", ({ isTTY, env, isColor }) => {
    expect(isColorEnabled({ isTTY, env })).toBe(isColor);
  });

  it("is off with --no-color even when forced", () => {
    const env = { FORCE_COLOR: "1" };
    expect(isColorEnabled({ isTTY: true, env, isColorDisabled: true })).toBe(false);
  });

  it("lets NO_COLOR win over FORCE_COLOR", () => {
    const env = { FORCE_COLOR: "1", NO_COLOR: "1" };
    expect(isColorEnabled({ isTTY: true, env })).toBe(false);
  });
});
