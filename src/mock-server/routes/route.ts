import type { ChatRequest, MockRoute } from "../chat-request.js";
import type { GeneratedReply } from "../reply.js";

/** Errors the mock sends, named apart from any one provider's words. */
export type MockErrorKind =
  | "invalid_request"
  | "not_found"
  | "rate_limit"
  | "server"
  | "overloaded";

export interface RouteReply {
  body: unknown;
  /** Ollama's streaming replies are one JSON object a line. */
  isNdjson?: boolean;
  /** True when the reply left out a prompt token count it could have sent. */
  isPromptCountOmitted?: boolean;
}

export interface ReplyContext {
  /** Unique per server, for reply ids. */
  sequence: number;
  requestId: string;
  omitCachedPromptEvalCount: boolean;
}

/** One provider's wire format: how its requests read and its replies and errors look. */
export interface ChatRoute {
  name: MockRoute;
  path: string;
  /** Header that carries the request id in this provider's replies. */
  requestIdHeader?: string;
  /** Throws InvalidRequestError for a body the mock cannot serve. */
  parseRequest(body: unknown): ChatRequest;
  formatReply(request: ChatRequest, reply: GeneratedReply, context: ReplyContext): RouteReply;
  formatError(kind: MockErrorKind, message: string, requestId: string): unknown;
  /** HTTP status of the "529" fault on this route. */
  overloadedStatus: number;
}
