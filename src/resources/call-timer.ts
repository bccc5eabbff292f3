import { systemClock, type Clock } from "../util/clock.js";

/** Cancels a timer from `startTimer`; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/**
 * Calls `onFire` after `ms` milliseconds of `clock` unless cancelled first.
 * On the system clock this is a bare setTimeout, because a sleep would cost
 * an AbortController, a promise and an abort listener for every call, and
 * cancelling it would build an AbortError with a stack trace. Other clocks,
 * such as the manual clock of tests, only offer `sleep`, so they get one.
 */
export function startTimer(clock: Clock, ms: number, onFire: () => void): CancelTimer {
  if (clock === systemClock) {
    const timer = setTimeout(onFire, Math.max(0, ms));
    return () => clearTimeout(timer);
  }
  const controller = new AbortController();
  clock.sleep(ms, controller.signal).then(onFire, () => {});
  return () => controller.abort();
}
