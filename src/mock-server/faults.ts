import type { Random } from "../util/clock.js";
import type { FaultMode } from "./options.js";

/**
 * Decides which admitted requests fail, and how. Draws come from a seeded
 * random in arrival order, so one seed and one request order repeat the same
 * faults, and a retried request can succeed.
 */
export class FaultPicker {
  constructor(
    private readonly failRate: number,
    private readonly modes: readonly FaultMode[],
    private readonly random: Random,
  ) {}

  /** The fault for the next request, or undefined when it should succeed. */
  pick(): FaultMode | undefined {
    if (this.failRate === 0) return undefined;
    if (this.random() >= this.failRate) return undefined;
    return this.modes[Math.floor(this.random() * this.modes.length)];
  }
}

/** The body of a "garbage" fault: a proxy's HTML error page, sent with status 200. */
export const GARBAGE_BODY =
  "<html><head><title>502 Bad Gateway</title></head>" +
  "<body>plait mock-server garbage fault</body></html>";
