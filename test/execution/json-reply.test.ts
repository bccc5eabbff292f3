import { describe, expect, it } from "vitest";
import { parseJsonReply } from "../../src/execution/json-reply.js";

describe("parseJsonReply", () => {
  it.each([
    ["a bare object", '{"a": 1}'],
    ["a fence around the reply", '```json\n{"a": 1}\n```'],
    ["an untagged fence", '```\n{"a": 1}\n```'],
    ["text before the fence", 'Sure, here it is:\n```json\n{"a": 1}\n```'],
    ["text on both sides", 'Here:\n```json\n{"a": 1}\n```\nHope this helps.'],
    ["one json block among others", '```text\nnotes\n```\n```json\n{"a": 1}\n```'],
  ])("reads %s", (_, reply) => {
    expect(parseJsonReply(reply)).toEqual({ value: { a: 1 } });
  });

  it("rejects text with no JSON", () => {
    const parsed = parseJsonReply("Sure: the answer is one.");
    expect(parsed).toHaveProperty("error");
    expect((parsed as { error: string }).error).toMatch(/^the reply is not valid JSON/);
  });

  it("rejects two json blocks as ambiguous", () => {
    const reply = '```json\n{"a": 1}\n```\n```json\n{"a": 2}\n```';
    expect(parseJsonReply(reply)).toHaveProperty("error");
  });
});
