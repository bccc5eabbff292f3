import type { IncomingMessage, ServerResponse } from "node:http";
import { formatRetryAfter } from "./admission.js";
import { type ChatRequest, InvalidRequestError } from "./chat-request.js";
import { GARBAGE_BODY } from "./faults.js";
import { BodyTooLargeError, readBody, sendJson } from "./http-io.js";
import type { FaultMode } from "./options.js";
import { generateReply } from "./reply.js";
import type { ChatRoute, MockErrorKind } from "./routes/route.js";
import type { MockServerState } from "./server-state.js";

/**
 * Serves one chat request: parse, admit or reject with 429, wait the
 * latency, then reply or play the fault drawn for it.
 */
export async function handleChat(
  state: MockServerState,
  route: ChatRoute,
  httpRequest: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = `req_mock${state.nextSequence()}`;
  const idHeader =
    route.requestIdHeader === undefined ? {} : { [route.requestIdHeader]: requestId };
  const sendError = (status: number, kind: MockErrorKind, message: string, headers = {}) => {
    const body = route.formatError(kind, message, requestId);
    sendJson(response, status, body, { ...idHeader, ...headers });
  };

  let rawBody: string;
  try {
    rawBody = await readBody(httpRequest);
  } catch (error) {
    if (error instanceof BodyTooLargeError) sendError(413, "invalid_request", error.message);
    // Otherwise the client disconnected while sending, so no reply can be sent.
    return;
  }

  const nowMs = state.clock.now();
  state.stats.recordArrival(route.name, nowMs);
  let request: ChatRequest;
  try {
    request = route.parseRequest(JSON.parse(rawBody));
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof InvalidRequestError)) throw error;
    state.stats.recordInvalidRequest();
    const prefix = error instanceof SyntaxError ? "the request body is not valid JSON: " : "";
    sendError(400, "invalid_request", prefix + error.message);
    return;
  }
  state.stats.recordModel(request.model);
  state.rememberModel(request.model);

  const admission = state.admission.tryAdmit(nowMs);
  if (!admission.isAdmitted) {
    state.stats.recordRateLimited(admission.reason);
    const retryAfter = formatRetryAfter(
      admission.retryAfterSeconds,
      state.options.retryAfterFormat,
      Date.now(),
    );
    const limit =
      admission.reason === "concurrency" ? "concurrent requests" : "requests per second";
    sendError(429, "rate_limit", `Rate limit reached: too many ${limit} (plait mock-server)`, {
      "retry-after": retryAfter,
    });
    return;
  }

  // The slot is held until the reply is sent or the connection closes.
  const abort = new AbortController();
  state.stats.recordAdmitted(state.admission.inFlightCount);
  response.once("close", () => {
    state.admission.release();
    state.stats.recordReleased(state.admission.inFlightCount);
    abort.abort();
  });

  const fault = state.faults.pick();
  const latencyMs = state.latency.pickMs(request.model);
  // With no latency the reply goes out at once: no timer per request.
  if (latencyMs > 0 && !(await sleepUnlessAborted(state, latencyMs, abort.signal))) return;
  if (abort.signal.aborted) return;

  if (fault !== undefined) {
    state.stats.recordFault(fault);
    await playFault(state, route, request, fault, httpRequest, response, abort.signal, sendError);
    return;
  }
  const reply = generateReply(request, state.promptCache);
  const routeReply = route.formatReply(request, reply, {
    sequence: state.nextSequence(),
    requestId,
    omitCachedPromptEvalCount: state.options.ollamaOmitCachedPromptEvalCount,
  });
  state.stats.recordSuccess(route.name, reply, routeReply.isPromptCountOmitted === true);
  const contentType = routeReply.isNdjson === true ? "application/x-ndjson" : "application/json";
  sendJson(response, 200, routeReply.body, idHeader, contentType);
}

async function playFault(
  state: MockServerState,
  route: ChatRoute,
  request: ChatRequest,
  fault: FaultMode,
  httpRequest: IncomingMessage,
  response: ServerResponse,
  signal: AbortSignal,
  sendError: (status: number, kind: MockErrorKind, message: string) => void,
): Promise<void> {
  switch (fault) {
    case "500":
      sendError(
        500,
        "server",
        "The server had an error while processing your request (plait mock-server fault)",
      );
      return;
    case "529":
      sendError(route.overloadedStatus, "overloaded", "Overloaded (plait mock-server fault)");
      return;
    case "drop":
      // A reset with no reply at all, as when a proxy or the server dies mid-request.
      httpRequest.socket.destroy();
      return;
    case "garbage":
      response.writeHead(200, { "content-type": "application/json" });
      response.end(GARBAGE_BODY);
      return;
    case "slow": {
      // Headers now, the body after slowMs: a client's connect and
      // first-byte timers are satisfied, only its whole-call timeout fires.
      response.writeHead(200, { "content-type": "application/json" });
      response.flushHeaders();
      if (!(await sleepUnlessAborted(state, state.options.slowMs, signal))) return;
      const reply = generateReply(request, state.promptCache);
      const body = route.formatReply(request, reply, {
        sequence: state.nextSequence(),
        requestId: "",
        omitCachedPromptEvalCount: state.options.ollamaOmitCachedPromptEvalCount,
      }).body;
      response.end(JSON.stringify(body));
      return;
    }
  }
}

/** Sleeps on the server's clock. Returns false when the connection closed first. */
async function sleepUnlessAborted(
  state: MockServerState,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    await state.clock.sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}
