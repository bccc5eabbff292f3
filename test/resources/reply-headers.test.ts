import { describe, expect, it } from "vitest";
import { ReplyHeaders } from "../../src/resources/clients/reply-headers.js";

describe("ReplyHeaders", () => {
  const headers = new ReplyHeaders({
    "content-type": "application/json",
    "retry-after": "2",
    "set-cookie": ["a=1", "b=2"],
    "x-absent": undefined,
  });

  it("reads names in any case", () => {
    expect(headers.get("Retry-After")).toBe("2");
    expect(headers.has("CONTENT-TYPE")).toBe(true);
  });

  it("joins repeated values like Headers", () => {
    expect(headers.get("set-cookie")).toBe("a=1, b=2");
  });

  it("answers null for a missing header", () => {
    expect(headers.get("x-absent")).toBeNull();
    expect(headers.has("x-absent")).toBe(false);
  });

  it("iterates entries, keys and forEach alike", () => {
    const fromForEach: Array<[string, string]> = [];
    headers.forEach((value, name) => fromForEach.push([name, value]));
    expect([...headers]).toEqual([
      ["content-type", "application/json"],
      ["retry-after", "2"],
      ["set-cookie", "a=1, b=2"],
    ]);
    expect([...headers.entries()]).toEqual([...headers]);
    expect(fromForEach).toEqual([...headers]);
    expect([...headers.keys()]).toEqual(["content-type", "retry-after", "set-cookie"]);
  });
});
