import type { Random } from "../util/clock.js";
import type { ModelLatency } from "./options.js";

/** Picks each reply's latency: the model's (or the server's) mean, plus uniform jitter. */
export class LatencyPicker {
  constructor(
    private readonly latencyMs: number,
    private readonly jitterMs: number,
    private readonly models: Record<string, ModelLatency>,
    private readonly random: Random,
  ) {}

  /** Returns the ms to wait before replying to a request for `model`, never negative. */
  pickMs(model: string): number {
    const override = this.models[model];
    const meanMs = override?.latencyMs ?? this.latencyMs;
    const jitterMs = override?.jitterMs ?? this.jitterMs;
    if (jitterMs === 0) return meanMs;
    return Math.max(0, meanMs + (this.random() * 2 - 1) * jitterMs);
  }
}
