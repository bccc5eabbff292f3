export { startMockServer, type MockServer } from "./server.js";
export {
  FAULT_MODES,
  RETRY_AFTER_FORMATS,
  resolveMockServerOptions,
  type FaultMode,
  type MockServerOptions,
  type ModelLatency,
  type RetryAfterFormat,
} from "./options.js";
export type { MockStats, MockUsageTotals } from "./stats.js";
export { MOCK_ROUTES, type MockRoute } from "./chat-request.js";
export { estimateTokens } from "./tokens.js";
