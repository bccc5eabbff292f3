import { UsageError } from "./usage-error.js";

/** Parses a flag that must be a whole number from `min` to `max`. */
export function parseWholeNumber(
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new UsageError(`${flag} must be a whole number ${range}, but it is "${text}"`);
    }
    return value;
  };
}

/** Parses a flag that must be a number of at least zero. */
export function parseNonNegative(flag: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
      throw new UsageError(`${flag} must be a number of at least 0, but it is "${text}"`);
    }
    return value;
  };
}

/** Parses a flag that must be a share from 0 to 1. */
export function parseShare(flag: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new UsageError(`${flag} must be a number from 0 to 1, but it is "${text}"`);
    }
    return value;
  };
}

/** Parses a flag whose value is one of `choices`. */
export function parseChoice<T extends string>(
  flag: string,
  choices: readonly T[],
): (text: string) => T {
  return (text) => {
    if ((choices as readonly string[]).includes(text)) return text as T;
    throw new UsageError(`${flag} must be one of ${choices.join(", ")}, but it is "${text}"`);
  };
}
