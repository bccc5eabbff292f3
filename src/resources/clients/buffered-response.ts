import type { ReplyHeaders } from "./reply-headers.js";

/**
 * A fetch Response whose body was read in full, as UTF-8 text, before it
 * was built. It has the members that the openai, @anthropic-ai/sdk and
 * ollama clients read for a call that does not stream. `body` is null
 * because nothing is left to stream.
 *
 * NOTE: a streamed call (`stream: true`) needs `body` as a ReadableStream,
 * which this does not offer. plait never requests a streamed reply.
 */
export class BufferedResponse {
  readonly ok: boolean;
  readonly statusText = "";
  readonly redirected = false;
  readonly type = "basic";
  readonly body = null;
  bodyUsed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: ReplyHeaders,
    private readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.bodyText;
  }

  async json(): Promise<unknown> {
    this.bodyUsed = true;
    return JSON.parse(this.bodyText);
  }
}
