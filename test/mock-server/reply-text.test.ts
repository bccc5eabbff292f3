import { describe, expect, it } from "vitest";
import { shapeReply } from "../../src/mock-server/reply-text.js";

const fullText = "Alpha beta gamma. Delta epsilon zeta.";

describe("shapeReply", () => {
  it("keeps a reply within the limit", () => {
    const shaped = shapeReply(fullText, 100, []);
    expect(shaped.text).toBe(fullText);
    expect(shaped.finishReason).toBe("stop");
    expect(shaped.completionTokens).toBe(10);
  });

  it("cuts at four characters a token", () => {
    const shaped = shapeReply(fullText, 2, []);
    expect(shaped.text).toBe("Alpha be");
    expect(shaped.finishReason).toBe("length");
    expect(shaped.completionTokens).toBe(2);
  });

  it("stops at the earliest stop sequence", () => {
    const shaped = shapeReply(fullText, undefined, ["zeta", "gamma"]);
    expect(shaped.text).toBe("Alpha beta ");
    expect(shaped.finishReason).toBe("stop_sequence");
    expect(shaped.stopSequence).toBe("gamma");
  });

  it("reports length when the limit comes before the stop", () => {
    const shaped = shapeReply(fullText, 1, ["zeta"]);
    expect(shaped.text).toBe("Alph");
    expect(shaped.finishReason).toBe("length");
  });

  it("counts an empty reply as zero tokens", () => {
    const shaped = shapeReply(fullText, undefined, ["Alpha"]);
    expect(shaped.text).toBe("");
    expect(shaped.completionTokens).toBe(0);
  });
});
