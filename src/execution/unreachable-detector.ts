import type { CallListener, ErrorKind } from "../resources/events.js";

/**
 * Calls of an alias that must all fail on a connection error, with no
 * success before them, before the run stops admitting records. Each of
 * these calls has already spent its `max_retries`, so five calls are five
 * times that many refused attempts. Five also stays below the default
 * `max_inflight_graphs` of 10, so a dead endpoint stops the run within the
 * first wave of records, while one stray refused call does not.
 */
export const UNREACHABLE_AFTER_CALLS = 5;

/**
 * System error codes of a connection that never carried a reply: refused,
 * reset, no route, or a host name that did not resolve. undici's connect
 * timeout is here too, because it fires before any byte reaches a server.
 * A slow server's reply ends as kind "timeout" instead, which never counts.
 */
const CONNECTION_ERROR_CODES =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT)\b/;

/** True when a call's final failure means no connection to the server was made. */
export function isConnectionFailure(kind: ErrorKind, message: string): boolean {
  return kind === "transient" && CONNECTION_ERROR_CODES.test(message);
}

/** An alias whose first calls all failed to connect. */
export interface UnreachableAlias {
  alias: string;
  /** Display names of the endpoints those calls failed on, in order of first failure. */
  endpoints: string[];
  /** Message of the last of those calls, which names the system error. */
  message: string;
  failedCalls: number;
}

interface AliasWatch {
  /** False once a call succeeded or failed for a reason other than the connection. */
  isWatching: boolean;
  failedCalls: number;
  endpoints: string[];
}

export interface UnreachableDetectorOptions {
  /** Maps an endpoint's display name (`fast` or `fast[1]`) to its alias. */
  aliasOf: (endpoint: string) => string;
  /** Default UNREACHABLE_AFTER_CALLS. */
  threshold?: number;
  /** Called once, when the first alias is found unreachable. */
  onUnreachable?: (found: UnreachableAlias) => void;
}

/**
 * Watches the resource manager's call events for an alias that nothing can
 * reach: its first `threshold` calls all failed on a connection error. It
 * then aborts `signal`, which stops admission. An alias with one success is
 * never reported, because later failures are the retry logic's to handle.
 * Cancelled calls are the run's own abort and are ignored.
 */
export class UnreachableDetector implements CallListener {
  private readonly controller = new AbortController();
  private readonly watches = new Map<string, AliasWatch>();
  private readonly threshold: number;
  /** Aborted when an alias is found unreachable. */
  readonly signal: AbortSignal = this.controller.signal;
  /** Calls that succeeded in this process, on any alias, cache hits included. */
  successfulCalls = 0;
  /** The first alias found unreachable, if any. */
  unreachable: UnreachableAlias | undefined;

  constructor(private readonly options: UnreachableDetectorOptions) {
    this.threshold = options.threshold ?? UNREACHABLE_AFTER_CALLS;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new RangeError(`threshold must be a whole number of at least 1, got ${this.threshold}`);
    }
  }

  onCallFinished(event: { result: { endpoint: string } }): void {
    this.successfulCalls++;
    this.watchOf(event.result.endpoint).isWatching = false;
  }

  onCallFailed(event: { endpoint: string; kind: ErrorKind; message: string }): void {
    if (event.kind === "cancelled") return;
    const watch = this.watchOf(event.endpoint);
    if (!watch.isWatching) return;
    if (!isConnectionFailure(event.kind, event.message)) {
      watch.isWatching = false;
      return;
    }
    watch.failedCalls++;
    if (!watch.endpoints.includes(event.endpoint)) watch.endpoints.push(event.endpoint);
    if (watch.failedCalls < this.threshold || this.unreachable !== undefined) return;
    this.unreachable = {
      alias: this.options.aliasOf(event.endpoint),
      endpoints: [...watch.endpoints],
      message: event.message,
      failedCalls: watch.failedCalls,
    };
    this.options.onUnreachable?.(this.unreachable);
    this.controller.abort();
  }

  private watchOf(endpoint: string): AliasWatch {
    const alias = this.options.aliasOf(endpoint);
    let watch = this.watches.get(alias);
    if (watch === undefined) {
      watch = { isWatching: true, failedCalls: 0, endpoints: [] };
      this.watches.set(alias, watch);
    }
    return watch;
  }
}
