import { describe, expect, it } from "vitest";
import { SEND_HISTORY_SIZE, SendHistory } from "../../src/resources/send-history.js";

describe("SendHistory", () => {
  it("counts sends in a window open at its start", () => {
    const history = new SendHistory();
    for (const atMs of [0, 100, 999, 1000, 1500]) history.recordSent(atMs);
    expect(history.countWindow(1000, 1000)).toEqual({ sent: 3, admitted: 3 });
    expect(history.countWindow(1500, 1000)).toEqual({ sent: 3, admitted: 3 });
  });

  it("takes rejections from the admitted count", () => {
    const history = new SendHistory();
    for (let index = 0; index < 10; index++) history.recordSent(500);
    history.recordRejected(500);
    history.recordRejected(500);
    // Sent before the window, so it does not count.
    history.recordRejected(-600);
    expect(history.countWindow(1000, 1000)).toEqual({ sent: 10, admitted: 8 });
  });

  it("forgets the oldest sends past its size", () => {
    const history = new SendHistory();
    for (let index = 0; index < SEND_HISTORY_SIZE + 10; index++) history.recordSent(0);
    expect(history.countWindow(0, 1000).sent).toBe(SEND_HISTORY_SIZE);
  });
});
