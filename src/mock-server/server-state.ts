import type { Clock } from "../util/clock.js";
import { AdmissionControl } from "./admission.js";
import { FaultPicker } from "./faults.js";
import { LatencyPicker } from "./latency.js";
import type { ResolvedMockServerOptions } from "./options.js";
import { PromptCache } from "./prompt-cache.js";
import { createSeededRandom } from "./random.js";
import { StatsRecorder } from "./stats.js";

/** Model names remembered for `GET /v1/models`, to bound memory. */
const MAX_LISTED_MODELS = 1000;

/** Everything one server instance keeps between requests. */
export class MockServerState {
  readonly stats = new StatsRecorder();
  readonly promptCache: PromptCache;
  readonly admission: AdmissionControl;
  readonly faults: FaultPicker;
  readonly latency: LatencyPicker;
  /** Configured models first, then the models that requests named. */
  readonly modelNames: Set<string>;
  private sequence = 0;

  constructor(
    readonly options: ResolvedMockServerOptions,
    readonly clock: Clock,
  ) {
    this.promptCache = new PromptCache(options.promptCacheMinTokens);
    this.admission = new AdmissionControl(
      options.maxConcurrent,
      options.rateLimit,
      options.retryAfterSeconds,
    );
    // Separate streams, so turning jitter on does not change which requests fail.
    this.faults = new FaultPicker(
      options.failRate,
      options.failModes,
      createSeededRandom(options.seed),
    );
    this.latency = new LatencyPicker(
      options.latencyMs,
      options.jitterMs,
      options.models,
      createSeededRandom(options.seed ^ 0x5bd1e995),
    );
    this.modelNames = new Set(Object.keys(options.models));
  }

  /** Returns a number unique to this server, for reply and request ids. */
  nextSequence(): number {
    return ++this.sequence;
  }

  rememberModel(model: string): void {
    if (this.modelNames.size < MAX_LISTED_MODELS) this.modelNames.add(model);
  }
}
