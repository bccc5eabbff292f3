/**
 * A rate in tokens per millisecond that holds at `startPerMs` until
 * `startMs`, then climbs in a straight line by `slopePerMs2` each
 * millisecond until it reaches `capPerMs`. Every function here is pure, so
 * the tokens earned between two times do not depend on how often they are
 * asked for.
 */
export interface RateRamp {
  startMs: number;
  startPerMs: number;
  slopePerMs2: number;
  capPerMs: number;
}

/** Returns a ramp that stays at `ratePerMs`. */
export function flatRamp(ratePerMs: number): RateRamp {
  return { startMs: 0, startPerMs: ratePerMs, slopePerMs2: 0, capPerMs: ratePerMs };
}

/** Time at which the ramp reaches its cap. */
function capAtMs(ramp: RateRamp): number {
  if (ramp.startPerMs >= ramp.capPerMs || ramp.slopePerMs2 <= 0) return ramp.startMs;
  return ramp.startMs + (ramp.capPerMs - ramp.startPerMs) / ramp.slopePerMs2;
}

export function rateAt(ramp: RateRamp, atMs: number): number {
  if (atMs <= ramp.startMs) return ramp.startPerMs;
  if (atMs >= capAtMs(ramp)) return ramp.capPerMs;
  return ramp.startPerMs + ramp.slopePerMs2 * (atMs - ramp.startMs);
}

/** Tokens earned from `fromMs` to `toMs`: the area under the ramp. */
export function tokensBetween(ramp: RateRamp, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const capMs = capAtMs(ramp);
  let tokens = 0;
  const flatEndMs = Math.min(toMs, ramp.startMs);
  if (fromMs < flatEndMs) tokens += ramp.startPerMs * (flatEndMs - fromMs);
  const climbFromMs = Math.max(fromMs, ramp.startMs);
  const climbToMs = Math.min(toMs, capMs);
  if (climbFromMs < climbToMs) {
    const meanPerMs = (rateAt(ramp, climbFromMs) + rateAt(ramp, climbToMs)) / 2;
    tokens += meanPerMs * (climbToMs - climbFromMs);
  }
  const cappedFromMs = Math.max(fromMs, capMs);
  if (cappedFromMs < toMs) tokens += ramp.capPerMs * (toMs - cappedFromMs);
  return tokens;
}

/** Milliseconds from `fromMs` until the ramp has earned `tokens`. */
export function msToEarn(ramp: RateRamp, fromMs: number, tokens: number): number {
  if (tokens <= 0) return 0;
  let waitMs = 0;
  let atMs = fromMs;
  let owed = tokens;
  if (atMs < ramp.startMs) {
    const flatTokens = ramp.startPerMs * (ramp.startMs - atMs);
    if (owed <= flatTokens) return owed / ramp.startPerMs;
    owed -= flatTokens;
    waitMs += ramp.startMs - atMs;
    atMs = ramp.startMs;
  }
  const capMs = capAtMs(ramp);
  if (atMs < capMs) {
    const climbTokens = tokensBetween(ramp, atMs, capMs);
    if (owed <= climbTokens) {
      // Solves r*w + s*w^2/2 = owed for w, in a form free of cancellation.
      const ratePerMs = rateAt(ramp, atMs);
      const root = Math.sqrt(ratePerMs * ratePerMs + 2 * ramp.slopePerMs2 * owed);
      return waitMs + (2 * owed) / (ratePerMs + root);
    }
    owed -= climbTokens;
    waitMs += capMs - atMs;
  }
  return waitMs + owed / ramp.capPerMs;
}
