import type { LlmClient, LlmReply, LlmRequest } from "../types.js";

/**
 * A client whose provider SDK is imported on first use. The SDKs cost tens
 * of megabytes of memory each, and a run uses one or two of the five.
 */
export class LazyClient implements LlmClient {
  private loading: Promise<LlmClient> | undefined;
  private loaded: LlmClient | undefined;

  constructor(private readonly load: () => Promise<LlmClient>) {}

  /** Imports the SDK and builds the client, so a bad key fails before the run starts. */
  async prepare(): Promise<void> {
    await this.client();
  }

  complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    if (this.loaded !== undefined) return this.loaded.complete(request, signal);
    return this.client().then((client) => client.complete(request, signal));
  }

  async close(): Promise<void> {
    if (this.loading === undefined) return;
    const client = await this.loading.catch(() => undefined);
    await client?.close?.();
  }

  private client(): Promise<LlmClient> {
    this.loading ??= this.load().then((client) => (this.loaded = client));
    return this.loading;
  }
}
