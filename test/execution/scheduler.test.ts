import { describe, expect, it } from "vitest";
import { CallScheduler, type QueuedCall } from "../../src/execution/scheduler.js";
import { ManualClock } from "../../src/util/clock.js";

interface Probe {
  started: Array<{ alias: string; id: string; atMs: number }>;
  peak: Map<string, number>;
  peakTotal: number;
}

/** Submits a call that holds its slot for `durationMs` of manual time. */
function submitTimed(
  scheduler: CallScheduler,
  clock: ManualClock,
  probe: Probe,
  call: { alias: string; id: string; durationMs: number; recordSeq?: number; priority?: number },
): void {
  const queued: QueuedCall = {
    alias: call.alias,
    priority: call.priority ?? 0,
    recordSeq: call.recordSeq ?? 0,
    start() {
      probe.started.push({ alias: call.alias, id: call.id, atMs: clock.now() });
      const inAlias = scheduler.inFlightFor(call.alias);
      probe.peak.set(call.alias, Math.max(probe.peak.get(call.alias) ?? 0, inAlias));
      probe.peakTotal = Math.max(probe.peakTotal, scheduler.inFlight);
      void clock.sleep(call.durationMs).then(() => scheduler.release(call.alias));
    },
    cancel() {},
  };
  scheduler.submit(queued);
}

function newProbe(): Probe {
  return { started: [], peak: new Map(), peakTotal: 0 };
}

describe("CallScheduler", () => {
  it("never exceeds an alias's max_concurrent", async () => {
    const clock = new ManualClock();
    const scheduler = new CallScheduler(new Map([["fast", 3]]), 100);
    const probe = newProbe();
    for (let i = 0; i < 10; i++) {
      submitTimed(scheduler, clock, probe, { alias: "fast", id: `c${i}`, durationMs: 100 });
    }
    await clock.runAll();
    expect(probe.peak.get("fast")).toBe(3);
    expect(probe.started.map((s) => s.atMs)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 300]);
  });

  it("never exceeds max_total_concurrent across aliases", async () => {
    const clock = new ManualClock();
    const scheduler = new CallScheduler(new Map([["a", 4], ["b", 4]]), 5);
    const probe = newProbe();
    for (let i = 0; i < 8; i++) {
      submitTimed(scheduler, clock, probe, { alias: i % 2 ? "a" : "b", id: `c${i}`, durationMs: 50 });
    }
    await clock.runAll();
    expect(probe.peakTotal).toBe(5);
    expect(probe.started.filter((s) => s.atMs === 0)).toHaveLength(5);
  });

  it("does not delay a free alias behind a saturated one", async () => {
    const clock = new ManualClock();
    const scheduler = new CallScheduler(new Map([["slow", 2], ["fast", 2]]), 100);
    const probe = newProbe();
    // Many slow calls queue first; fast calls submitted after them must not wait.
    for (let i = 0; i < 20; i++) {
      submitTimed(scheduler, clock, probe, { alias: "slow", id: `s${i}`, durationMs: 2000 });
    }
    for (let i = 0; i < 4; i++) {
      submitTimed(scheduler, clock, probe, { alias: "fast", id: `f${i}`, durationMs: 50 });
    }
    await clock.advance(100);
    const fastStarts = probe.started.filter((s) => s.alias === "fast").map((s) => s.atMs);
    expect(fastStarts).toEqual([0, 0, 50, 50]);
  });

  it("starts calls of earlier records first", async () => {
    const clock = new ManualClock();
    const scheduler = new CallScheduler(new Map([["a", 1]]), 100);
    const probe = newProbe();
    submitTimed(scheduler, clock, probe, { alias: "a", id: "first", durationMs: 10, recordSeq: 0 });
    for (const seq of [5, 3, 9, 1]) {
      submitTimed(scheduler, clock, probe, { alias: "a", id: `r${seq}`, durationMs: 10, recordSeq: seq });
    }
    await clock.runAll();
    expect(probe.started.map((s) => s.id)).toEqual(["first", "r1", "r3", "r5", "r9"]);
  });

  it("starts higher priority calls before earlier records", async () => {
    const clock = new ManualClock();
    const scheduler = new CallScheduler(new Map([["a", 1]]), 100);
    const probe = newProbe();
    submitTimed(scheduler, clock, probe, { alias: "a", id: "busy", durationMs: 10 });
    submitTimed(scheduler, clock, probe, { alias: "a", id: "low", durationMs: 10, recordSeq: 1 });
    submitTimed(scheduler, clock, probe, {
      alias: "a",
      id: "high",
      durationMs: 10,
      recordSeq: 7,
      priority: 5,
    });
    await clock.runAll();
    expect(probe.started.map((s) => s.id)).toEqual(["busy", "high", "low"]);
  });

  it("gives a freed global slot to the earliest record of any alias", async () => {
    const clock = new ManualClock();
    const scheduler = new CallScheduler(new Map([["a", 5], ["b", 5]]), 1);
    const probe = newProbe();
    submitTimed(scheduler, clock, probe, { alias: "a", id: "a0", durationMs: 10, recordSeq: 0 });
    submitTimed(scheduler, clock, probe, { alias: "a", id: "a9", durationMs: 10, recordSeq: 9 });
    submitTimed(scheduler, clock, probe, { alias: "b", id: "b2", durationMs: 10, recordSeq: 2 });
    await clock.runAll();
    expect(probe.started.map((s) => s.id)).toEqual(["a0", "b2", "a9"]);
  });

  it("hands cancelled waiting calls back", () => {
    const scheduler = new CallScheduler(new Map([["a", 1]]), 10);
    const cancelled: string[] = [];
    const make = (id: string): QueuedCall => ({
      alias: "a",
      priority: 0,
      recordSeq: 0,
      start() {},
      cancel: () => cancelled.push(id),
    });
    scheduler.submit(make("running"));
    scheduler.submit(make("w1"));
    scheduler.submit(make("w2"));
    for (const call of scheduler.cancelWhere(() => true)) call.cancel(new Error("stop"));
    expect(cancelled.sort()).toEqual(["w1", "w2"]);
    expect(scheduler.waiting).toBe(0);
  });
});
