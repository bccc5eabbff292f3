/** The chat APIs the mock imitates, named by provider. */
export const MOCK_ROUTES = ["openai", "anthropic", "ollama"] as const;
export type MockRoute = (typeof MOCK_ROUTES)[number];

/** The kind of reply a request expects. */
export type ReplyFormat =
  | { kind: "text" }
  | { kind: "json" }
  | { kind: "schema"; schema: Record<string, unknown> };

export interface ChatMessage {
  role: string;
  text: string;
}

/** A chat request from any route, reduced to what reply generation needs. */
export interface ChatRequest {
  route: MockRoute;
  model: string;
  /** Every system (or developer) message's text, joined with "\n", or "" when none. */
  system: string;
  /** The other messages in order, with their text parts joined. */
  messages: ChatMessage[];
  /** Reply token limit, or undefined when the request set none. */
  maxTokens?: number;
  stopSequences: string[];
  format: ReplyFormat;
  /**
   * Ollama only: the client asked for a stream (Ollama's default), so the
   * reply goes out as one NDJSON line with `done: true`.
   */
  isNdjsonStream?: boolean;
}

/** A request body the mock cannot serve. The route replies 400 in its provider's shape. */
export class InvalidRequestError extends Error {
  override name = "InvalidRequestError";
}

/** Text of a message `content` that is a string or a list of `{type: "text", text}` parts. */
export function readContentText(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (!Array.isArray(content)) {
    throw new InvalidRequestError(`${where} must be a string or a list of content parts`);
  }
  const texts: string[] = [];
  for (const part of content) {
    // Images, tool results and other parts carry no text the mock can count.
    if (isRecord(part) && typeof part.text === "string") texts.push(part.text);
  }
  return texts.join("\n");
}

/** Stop sequences given as one string or a list of strings. */
export function readStopSequences(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return value.filter((item) => item !== "");
  }
  throw new InvalidRequestError(`${where} must be a string or a list of strings`);
}

/** Reads a token limit: undefined when absent, else a whole number of at least 1. */
export function readMaxTokens(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1) return value;
  throw new InvalidRequestError(`${where} must be a whole number of at least 1`);
}

export function readModel(body: Record<string, unknown>): string {
  if (typeof body.model === "string" && body.model !== "") return body.model;
  throw new InvalidRequestError("model is missing: every request must name a model");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
