import { readFileSync } from "node:fs";

/** Reads the JSON Lines input that plait reads too. */
export function loadRecords(file) {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

/**
 * The prompts of plait's a -> (b, c) pipelines, word for word. A W2
 * record names its alias for c in its `slow` and `fast` lists; a W1
 * record has neither list, and every call goes to `main`.
 */
export const prompts = {
  first(record) {
    const alias = record.slow === undefined ? "main" : "fast";
    return { alias, text: `Summarise: ${record.text}`, maxTokens: 60 };
  },
  second(record, a) {
    if (record.slow === undefined) {
      return [
        { alias: "main", text: `Label this summary: ${a}`, maxTokens: 20 },
        { alias: "main", text: `Draft a reply to: ${a}`, maxTokens: 60 },
      ];
    }
    const cAlias = record.slow.length > 0 ? "slow" : "fast";
    return [
      { alias: "fast", text: `Label this summary: ${a}`, maxTokens: 20 },
      { alias: cAlias, text: `Draft a reply to: ${a}`, maxTokens: 60 },
    ];
  },
};
